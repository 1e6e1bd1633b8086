using System.Globalization;
using DataTier.Core.Errors;
using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Topology;
using DataTier.Postgres.Backends;
using DataTier.Postgres.CrossShard;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// Key-less reads whose answer needs merging (ORDER BY, LIMIT/OFFSET, DISTINCT, aggregates, GROUP BY, HAVING): every
/// shard runs the cross-shard plan's statement at once, each on a backend of its own, and Core's merge pulls their
/// DataRows as it needs them. The client gets one answer: a RowDescription of the statement's own columns, the merged
/// rows (the shards' bytes relayed where the answer is a shard's value, DataTier's encoding where it computed the value),
/// one CommandComplete.
/// </content>
internal sealed partial class ClientSession
{
    private sealed record MergeLeg(BackendRowStream Stream, BackendPool Pool, Core.Replicas.OutstandingRequests.Lease Lease);

    // The legs of the merged read running now (under _backendLock), for CancelRequest.
    private List<MergeLeg>? _mergeLegs;

    private async Task RunMergedAsync(Plan plan, CrossShardPlan merge, string? sql, BatchItem[]? items, CancellationToken cancellationToken)
    {
        var (bind, statement) = MergedBind(items);
        var legs = new List<MergeLeg>();
        bool wrote = false;
        try
        {
            await StartLegsAsync(plan, merge, bind, statement, legs, cancellationToken).ConfigureAwait(false);
            var fields = legs[0].Stream.Fields;
            var run = new CrossShardMerge(merge, legs.Select(static l => (IShardRowStream)l.Stream).ToArray(), fields.Length);
            CheckOrderable(merge, run.Layout, fields);
            var answer = AnswerFields(merge, fields, run.Layout.VisibleCount, bind);
            if (items is null)
            {
                BackendMessageWriter.WriteRowDescription(_output, answer);
                wrote = true;
                await WriteMergedRowsAsync(run, answer, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                foreach (var item in items)
                {
                    wrote = true;
                    switch (item.Message)
                    {
                        case BindMessage:
                            BackendMessageWriter.WriteBindComplete(_output);
                            break;
                        case DescribeMessage:
                            BackendMessageWriter.WriteRowDescription(_output, answer);
                            break;
                        case ExecuteMessage:
                            await WriteMergedRowsAsync(run, answer, cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            BackendMessageWriter.WriteEncoded(_output, LocalAnswer(item, null));
                            break;
                    }
                }
            }

            foreach (var leg in legs)
            {
                // The merge may have stopped at the LIMIT: each shard sent at most LIMIT + OFFSET rows, read them off.
                await leg.Stream.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (ShardLegFailedException e)
        {
            BackendMessageWriter.WriteEncoded(_output, e.ErrorResponse);
        }
        catch (DataTierException e) when (CrossShardRefusal.Is(e))
        {
            if (!wrote)
            {
                throw new WireException(SqlState.FeatureNotSupported, e.Message, Routing.WireRouter.HowToNameTheKey);
            }

            BackendMessageWriter.WriteErrorResponse(_output, PostgresErrorFields.Error(SqlState.FeatureNotSupported, e.Message) with { Hint = Routing.WireRouter.HowToNameTheKey });
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new WireException(SqlState.ConnectionFailure, $"A shard's connection broke or timed out during a merged read ({e.GetType().Name}).", "Retry.");
        }
        finally
        {
            // A cancel being forwarded to a leg finishes before the leg's backend can go to another client.
            await _cancelGate.WaitAsync().ConfigureAwait(false);
            lock (_backendLock)
            {
                _mergeLegs = null;
            }

            _cancelGate.Release();
            foreach (var leg in legs)
            {
                leg.Lease.Dispose();
                // A backend that did not reach ReadyForQuery is mid-answer: closed, never reused.
                await leg.Pool.ReturnAsync(leg.Stream.Backend, idle: leg.Stream.Finished && !leg.Stream.Backend.IsBroken).ConfigureAwait(false);
            }
        }

        _portals.Clear();
        BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The batch's Bind (its parameters and result formats) and statement; what a merged batch cannot hold is refused.</summary>
    private static (BindMessage? Bind, ClientStatement? Statement) MergedBind(BatchItem[]? items)
    {
        BindMessage? bind = null;
        ClientStatement? statement = null;
        foreach (var item in items ?? [])
        {
            switch (item.Message)
            {
                case BindMessage b:
                    bind = b;
                    statement = item.Statement;
                    break;
                case DescribeMessage { Target: StatementOrPortal.Statement }:
                    throw new WireException(SqlState.FeatureNotSupported, "A merged read across shards answers Describe of its portal, not of its statement, in the batch that executes it.", "Describe the statement in a batch of its own (Parse, Describe, Sync).");
                case ExecuteMessage { IsUnlimited: false }:
                    throw new WireException(SqlState.FeatureNotSupported, "A merged read across shards is answered whole: Execute with a row limit (portal suspension) is not supported for it.", "Execute with no row limit, or add LIMIT to the statement.");
            }
        }

        if (items is not null && bind is null)
        {
            throw new WireException(SqlState.FeatureNotSupported, "A merged read across shards must be bound in the batch that executes it.", "Send Bind and Execute together.");
        }

        return (bind, statement);
    }

    private async Task StartLegsAsync(Plan plan, CrossShardPlan merge, BindMessage? bind, ClientStatement? statement, List<MergeLeg> legs, CancellationToken cancellationToken)
    {
        var parameterFormats = new FormatCode[bind?.ParameterCount ?? 0];
        var parameters = new ReadOnlyMemory<byte>?[parameterFormats.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            parameterFormats[i] = bind!.GetParameterFormat(i);
            parameters[i] = bind.IsNull(i) ? null : bind.GetValue(i);
        }

        var resultFormats = ShardResultFormats(bind, merge);
        uint[] parameterTypes = statement is null ? [] : [.. statement.ParameterTypes];
        foreach (var shard in _services.Topology.Current.Shards)
        {
            var node = ChooseNode(shard, plan);
            var pool = _services.Pools.Get(node);
            var backend = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
            var leg = new MergeLeg(new BackendRowStream(backend, shard.Id, _services.Options.BackendIoTimeoutMs), pool, _services.ReadRouter.Outstanding.Begin(node.Id));
            lock (_backendLock)
            {
                // Seen by CancelRunningAsync: a CancelRequest reaches every shard of the merged read.
                legs.Add(leg);
                _mergeLegs = legs;
            }

            _services.Metrics.StatementsFor(plan.Kind, plan.Source, node.Role == NodeRole.Primary).Inc();
            string? prelude = shard.VisibilityRing is { } ring ? Core.Execution.ScatterStatements.VisibilityQuery(ring, shard.Id) : null;
            leg.Stream.Send(prelude, merge.ShardSql, parameterTypes, parameterFormats, parameters, resultFormats);
            // Sent now, not when the leg's answer is first awaited: PostgreSQL holds a leg's RowDescription in its output
            // buffer until rows fill it or the statement ends, so awaiting one leg before sending the next ran an
            // aggregate's legs one after the other (measured: 218 s merged against 104 s for one shard alone).
            await leg.Stream.Backend.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        // Every shard has its statement before the first answer is awaited: they run side by side.
        foreach (var leg in legs)
        {
            await leg.Stream.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        int columns = legs[0].Stream.Fields.Length;
        if (legs.Any(l => l.Stream.Fields.Length != columns))
        {
            throw new WireException(SqlState.FeatureNotSupported, "The shards answered this read with different columns (their schemas differ), so DataTier cannot merge them.", "Make the tables' columns the same on every shard.");
        }
    }

    /// <summary>
    /// Formats the shards send in: the client's for the columns of the answer (relayed as they come), text for the
    /// hidden ones; a single format code means that format for every column, hidden ones included.
    /// </summary>
    private static FormatCode[] ShardResultFormats(BindMessage? bind, CrossShardPlan merge)
    {
        if (bind is null || bind.ResultFormatCount == 0)
        {
            return [];
        }

        if (bind.ResultFormatCount == 1)
        {
            return [bind.GetResultFormat(0)];
        }

        var formats = new FormatCode[bind.ResultFormatCount + merge.HiddenCount];
        for (int i = 0; i < formats.Length; i++)
        {
            formats[i] = i < bind.ResultFormatCount ? bind.GetResultFormat(i) : FormatCode.Text;
        }

        return formats;
    }

    /// <summary>Refuses, before any row is sent, to order by a type the merge cannot compare as PostgreSQL does.</summary>
    private static void CheckOrderable(CrossShardPlan merge, in CrossShardLayout layout, System.Collections.Immutable.ImmutableArray<FieldDescription> fields)
    {
        foreach (var key in merge.Order)
        {
            var field = fields[layout.IndexOf(key.Column)];
            if (!WireValueCodec.IsOrderable(field.TypeOid))
            {
                throw CrossShardRefusal.Create($"ORDER BY a column of type OID {field.TypeOid} ({field.Name})", "DataTier orders numbers, text, booleans, dates, timestamps and uuids exactly as PostgreSQL does, and no other type");
            }
        }

        foreach (var aggregate in merge.Aggregates)
        {
            var field = fields[layout.IndexOf(aggregate.Column)];
            if (aggregate.Kind is CrossShardAggregateKind.Min or CrossShardAggregateKind.Max && !WireValueCodec.IsOrderable(field.TypeOid))
            {
                throw CrossShardRefusal.Create($"{aggregate.Function}() of a column of type OID {field.TypeOid}", "DataTier compares numbers, text, booleans, dates, timestamps and uuids exactly as PostgreSQL does, and no other type");
            }
        }
    }

    /// <summary>The answer's columns: the shards' without the hidden ones, avg typed numeric as PostgreSQL types it, in the client's formats.</summary>
    private static FieldDescription[] AnswerFields(CrossShardPlan merge, System.Collections.Immutable.ImmutableArray<FieldDescription> fields, int visible, BindMessage? bind)
    {
        var answer = new FieldDescription[visible];
        for (int k = 0; k < visible; k++)
        {
            var field = fields[k];
            var format = bind is null || bind.ResultFormatCount == 0 ? FormatCode.Text : bind.GetResultFormat(bind.ResultFormatCount == 1 ? 0 : k);
            answer[k] = field with { Format = format };
        }

        foreach (var aggregate in merge.Aggregates)
        {
            if (aggregate.Kind == CrossShardAggregateKind.Avg && !aggregate.Column.Hidden)
            {
                int k = aggregate.Column.Ordinal;
                answer[k] = answer[k] with { TableOid = 0, ColumnAttributeNumber = 0, TypeOid = WireValueCodec.Numeric, TypeSize = -1, TypeModifier = -1 };
            }
        }

        return answer;
    }

    private async Task WriteMergedRowsAsync(CrossShardMerge run, FieldDescription[] answer, CancellationToken cancellationToken)
    {
        long count = 0;
        var cells = new ReadOnlyMemory<byte>?[answer.Length];
        while (await run.ReadAsync(cancellationToken).ConfigureAwait(false) is { } row)
        {
            for (int k = 0; k < cells.Length; k++)
            {
                // Typed as ReadOnlyMemory<byte>?: a null byte[] would convert to an empty value, not to SQL NULL.
                cells[k] = row[k] switch
                {
                    null => (ReadOnlyMemory<byte>?)null,
                    WireDatum datum => datum.Bytes,
                    var computed => WireValueCodec.Encode(computed, answer[k].TypeOid, answer[k].Format),
                };
            }

            BackendMessageWriter.WriteDataRow(_output, cells);
            if (++count % 256 == 0)
            {
                // Rows stream to the client as the merge produces them.
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        BackendMessageWriter.WriteCommandComplete(_output, string.Create(CultureInfo.InvariantCulture, $"SELECT {count}"));
    }
}
