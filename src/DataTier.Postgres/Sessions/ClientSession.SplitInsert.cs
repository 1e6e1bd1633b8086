using System.Globalization;
using DataTier.Core.Execution;
using DataTier.Core.Ownership;
using DataTier.Core.Sql.Tree;
using DataTier.Postgres.CrossShard;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Routing;

namespace DataTier.Postgres.Sessions;

/// <content>
/// A multi-row <c>INSERT ... VALUES</c> whose rows belong to several shards, outside a transaction block: the statement is
/// rewritten per shard keeping only that shard's rows (<see cref="PgInsertValues.Rewrite"/>, parameters renumbered), each
/// part runs in a transaction on its shard's primary, and the parts commit once all of them succeeded
/// (ClientSession.ShardWrites.cs). The client gets one <c>INSERT 0 n</c> with the total. A part a shard refuses with DTM01
/// (a move's fence) or DTW01 (a ring one switch behind) rolls every part back, and the whole statement is split again by
/// the newest topology and sent again, as single-shard autocommit writes are (ClientSession.Refusals.cs).
/// </content>
internal sealed partial class ClientSession
{
    private sealed record SplitOutcome(long Rows, byte[]? ShardError, PostgresErrorFields? Error, string? RetryCode);

    private async Task RunSplitInsertAsync(Plan plan, BatchItem[]? items, bool sync, CancellationToken cancellationToken)
    {
        var statement = plan.Split!;
        var values = statement.InsertValues!;
        if (_backend is not null || InTransaction)
        {
            _locallyFailed |= InTransaction;
            throw new WireException(
                SqlState.FeatureNotSupported,
                "This INSERT has rows for several shards; inside a transaction block a statement on the wire runs on one shard.",
                "Run it outside a transaction block (autocommit), where DataTier splits it by shard, or send one INSERT per shard.");
        }

        if (plan.Statements.Count > 1)
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "A multi-row INSERT whose rows belong to several shards is split by shard and must be sent on its own (one Query, or one batch up to Sync), not together with other statements.",
                "Send it separately.");
        }

        if (values.HasReturning)
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "RETURNING is not supported on a multi-row INSERT whose rows belong to several shards (DataTier splits it into one INSERT per shard).",
                "Drop RETURNING and read the rows back by key, or send one INSERT per shard.");
        }

        var (bind, types) = SplitBind(items, sync);
        ResetRefusalRetries();
        SplitOutcome outcome;
        while (true)
        {
            outcome = await TrySplitInsertAsync(plan, values, bind, types, cancellationToken).ConfigureAwait(false);
            if (outcome.RetryCode is { } code && await WaitToRetryRefusalAsync(code, cancellationToken).ConfigureAwait(false))
            {
                _services.Metrics.RefusedWriteRetries.WithLabels(code).Inc();
                continue;
            }

            break;
        }

        bool failed = outcome.ShardError is not null || outcome.Error is not null;
        foreach (var item in items ?? [])
        {
            if (failed && item.Type == FrontendMessageType.Execute)
            {
                break;
            }

            switch (item.Message)
            {
                case DescribeMessage:
                    BackendMessageWriter.WriteNoData(_output);
                    break;
                case ExecuteMessage:
                    WriteInsertComplete(outcome.Rows);
                    break;
                default:
                    BackendMessageWriter.WriteEncoded(_output, LocalAnswer(item, null));
                    break;
            }
        }

        if (outcome.ShardError is { } shardError)
        {
            BackendMessageWriter.WriteEncoded(_output, shardError);
        }
        else if (outcome.Error is { } error)
        {
            _services.Metrics.Errors.WithLabels(error.Code ?? SqlState.InternalError, "datatier").Inc();
            BackendMessageWriter.WriteErrorResponse(_output, error);
        }
        else if (items is null)
        {
            WriteInsertComplete(outcome.Rows);
        }

        _portals.Clear();
        BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void WriteInsertComplete(long rows) =>
        BackendMessageWriter.WriteCommandComplete(_output, string.Create(CultureInfo.InvariantCulture, $"INSERT 0 {rows}"));

    /// <summary>The batch's Bind and parameter types; what a split batch cannot hold is refused before any shard is asked.</summary>
    private static (BindMessage? Bind, uint[] Types) SplitBind(BatchItem[]? items, bool sync)
    {
        if (items is null)
        {
            return (null, []);
        }

        if (!sync || items.Count(static i => i.Type == FrontendMessageType.Execute) != 1)
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "A multi-row INSERT whose rows belong to several shards must be one Execute in a batch of its own, ended by Sync.",
                "Send it separately.");
        }

        BindMessage? bind = null;
        uint[] types = [];
        foreach (var item in items)
        {
            switch (item.Message)
            {
                case BindMessage b:
                    bind = b;
                    types = [.. item.Statement!.ParameterTypes];
                    break;
                case DescribeMessage { Target: StatementOrPortal.Statement }:
                    throw new WireException(
                        SqlState.FeatureNotSupported,
                        "A multi-row INSERT split across shards answers Describe of its portal, not of its statement, in the batch that executes it.",
                        "Describe the statement in a batch of its own (Parse, Describe, Sync).");
            }
        }

        return bind is null
            ? throw new WireException(SqlState.FeatureNotSupported, "A multi-row INSERT split across shards must be bound in the batch that executes it.", "Send Bind and Execute together.")
            : (bind, types);
    }

    /// <summary>One attempt: every shard's part in its transaction, then the commits; nothing is left open when it returns.</summary>
    private async Task<SplitOutcome> TrySplitInsertAsync(Plan plan, PgInsertValues values, BindMessage? bind, uint[] types, CancellationToken cancellationToken)
    {
        var topology = _services.Topology.Current;
        var parts = new SortedDictionary<string, (Core.Topology.ShardDefinition Shard, List<int> Rows)>(StringComparer.Ordinal);
        for (int i = 0; i < values.Rows.Length; i++)
        {
            var shard = topology.Route(WireRouter.KeyText(values.Rows[i].Key, bind, types));
            if (!parts.TryGetValue(shard.Id, out var part))
            {
                part = (shard, []);
                parts[shard.Id] = part;
            }

            part.Rows.Add(i);
        }

        var legs = new List<ShardWriteLeg>(parts.Count);
        try
        {
            foreach (var (shard, rows) in parts.Values)
            {
                var leg = await OpenWriteLegAsync(shard, "insert", cancellationToken).ConfigureAwait(false);
                legs.Add(leg);
                var (sql, map) = values.Rewrite(rows);
                var partTypes = new uint[map.Length];
                var formats = new FormatCode[map.Length];
                var parameters = new ReadOnlyMemory<byte>?[map.Length];
                for (int k = 0; k < map.Length; k++)
                {
                    int old = map[k];
                    if (bind is null || old >= bind.ParameterCount)
                    {
                        throw new WireException(SqlState.FeatureNotSupported, $"The INSERT uses parameter ${old + 1}, which has no value here.", "Bind every parameter the statement uses.");
                    }

                    partTypes[k] = old < types.Length ? types[old] : 0;
                    formats[k] = bind.GetParameterFormat(old);
                    parameters[k] = bind.IsNull(old) ? null : bind.GetValue(old);
                }

                leg.WriteQuery("BEGIN");
                leg.WriteStatement(sql, partTypes, formats, parameters);
            }

            try
            {
                await ExchangeAsync(legs, untilCopyIn: false, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                await RollbackAllAsync(legs, cancellationToken).ConfigureAwait(false);
                var broken = legs.First(static l => l.Backend.IsBroken);
                return new SplitOutcome(0, null, PostgresErrorFields.Error(
                    SqlState.ConnectionFailure,
                    $"The connection to shard {broken.Shard.Id} broke during a multi-row INSERT split across shards; no shard committed its rows.") with { Hint = "Retry." }, null);
            }

            if (legs.FirstOrDefault(static l => l.Error is not null) is { } failed)
            {
                _services.Metrics.Errors.WithLabels(failed.ErrorCode ?? "", "backend").Inc();
                await RollbackAllAsync(legs, cancellationToken).ConfigureAwait(false);
                string? retry = failed.ErrorCode is PostgresErrorMapper.FencedSqlState or OwnershipGuard.WrongShardSqlState ? failed.ErrorCode : null;
                return new SplitOutcome(0, failed.Error, null, retry);
            }

            if (await CommitAllAsync(legs, "A multi-row INSERT split across shards", cancellationToken).ConfigureAwait(false) is { } commitError)
            {
                return new SplitOutcome(0, null, commitError, null);
            }

            await RecordSplitWriteAsync(legs, [.. plan.Tables], cancellationToken).ConfigureAwait(false);
            return new SplitOutcome(legs.Sum(static l => l.Rows), null, null, null);
        }
        finally
        {
            await ReleaseLegsAsync(legs).ConfigureAwait(false);
        }
    }
}
