using System.Buffers;
using System.Globalization;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;
using DataTier.Postgres.Backends;
using DataTier.Postgres.Copy;
using DataTier.Postgres.CrossShard;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Routing;

namespace DataTier.Postgres.Sessions;

/// <content>
/// <c>COPY table [(cols)] FROM STDIN</c>, text or CSV, sent as a simple Query outside a transaction block. Every shard's
/// primary gets BEGIN and the client's COPY statement; the client gets the first shard's CopyInResponse; each row the
/// client sends is routed by its shard-key field (<see cref="CopyRowParser"/>, hashed as every other key through
/// <c>topology.Route</c>) and streamed to its shard's COPY in CopyData messages of up to <see cref="CopyChunkBytes"/>.
/// On CopyDone every shard's COPY ends, and the shards commit once all of them succeeded (ClientSession.ShardWrites.cs);
/// the client gets <c>COPY n</c> with the total. An error (a shard's, or DataTier's) or the client's CopyFail aborts
/// every shard's COPY and rolls every transaction back. A table that is not sharded is copied on the designated shard,
/// its bytes passed through unparsed.
/// </content>
internal sealed partial class ClientSession
{
    // Rows for one shard are sent in CopyData messages of about this size.
    private const int CopyChunkBytes = 64 * 1024;

    private CopyInProgress? _copyIn;

    private sealed class CopyInProgress(List<ShardWriteLeg> legs, TopologySnapshot topology, CopyRowParser? parser, int keyIndex, string? keyColumn, bool header, List<string> tables)
    {
        public List<ShardWriteLeg> Legs { get; } = legs;

        public Dictionary<string, int> LegOfShard { get; } = legs.Select(static (l, i) => (l.Shard.Id, i)).ToDictionary(static p => p.Id, static p => p.i, StringComparer.Ordinal);

        public TopologySnapshot Topology { get; } = topology;

        /// <summary>Null for a table that is not sharded: its bytes go to the one leg unparsed.</summary>
        public CopyRowParser? Parser { get; } = parser;

        public int KeyIndex { get; } = keyIndex;

        public string? KeyColumn { get; } = keyColumn;

        public bool HeaderPending { get; set; } = header;

        /// <summary>The client sent the end-of-data marker <c>\.</c>: what follows is ignored, as PostgreSQL does.</summary>
        public bool Ended { get; set; }

        public long Rows { get; set; }

        public List<string> Tables { get; } = tables;

        /// <summary>Each leg's rows not sent yet.</summary>
        public ArrayBufferWriter<byte>[] Pending { get; } = [.. legs.Select(static _ => new ArrayBufferWriter<byte>(CopyChunkBytes + 4096))];

        /// <summary>The start of a row whose end has not arrived yet.</summary>
        public ArrayBufferWriter<byte> Carry { get; } = new(1024);
    }

    /// <summary>Starts a COPY FROM STDIN: every shard's COPY in its transaction, then the CopyInResponse to the client.</summary>
    private async Task StartCopyInAsync(PgStatement statement, CancellationToken cancellationToken)
    {
        var copy = statement.Analysis.Copy!;
        if (_backend is not null || InTransaction)
        {
            throw new WireException(
                SqlState.FeatureNotSupported,
                "COPY FROM STDIN runs in a transaction of its own on each shard and cannot run inside a transaction block.",
                "COMMIT or ROLLBACK first, then COPY outside a transaction block.");
        }

        var tables = await _services.ShardedTables.GetAsync(cancellationToken).ConfigureAwait(false);
        bool sharded = new ShardedTableLookup(tables.Tables).TryGetKeyColumn(copy.Table!.Schema, copy.Table.Name, out string keyColumn);
        var format = CopyFormat.From(copy, sharded ? keyColumn : null);
        var topology = _services.Topology.Current;
        ShardDefinition[] shards = sharded ? [.. topology.Shards.OrderBy(static s => s.Id, StringComparer.Ordinal)] : [WireRouter.Designated(topology)];
        var legs = new List<ShardWriteLeg>(shards.Length);
        try
        {
            foreach (var shard in shards)
            {
                legs.Add(await OpenWriteLegAsync(shard, "copy", cancellationToken).ConfigureAwait(false));
            }

            int keyIndex = -1;
            if (sharded)
            {
                var columns = copy.Columns.IsEmpty ? await TableColumnsAsync(legs[0], copy.Table, cancellationToken).ConfigureAwait(false) : [.. copy.Columns];
                keyIndex = columns.IndexOf(keyColumn);
                if (keyIndex < 0)
                {
                    throw new WireException(
                        SqlState.FeatureNotSupported,
                        $"COPY into the sharded table {copy.Table.QualifiedName} must include its shard key column {keyColumn}: DataTier routes each row by it.",
                        $"Add {keyColumn} to the COPY's column list.");
                }
            }

            foreach (var leg in legs)
            {
                leg.WriteQuery("BEGIN");
                leg.WriteQuery(statement.Text);
            }

            await ExchangeAsync(legs, untilCopyIn: true, cancellationToken).ConfigureAwait(false);
            if (legs.FirstOrDefault(static l => l.Error is not null) is { } failed)
            {
                // The COPY statement itself was refused (no such column, a bad option): nothing started.
                await EndCopyAsync(legs, failed.Error, null, cancellationToken).ConfigureAwait(false);
                return;
            }

            var parser = sharded ? new CopyRowParser(format) : null;
            _copyIn = new CopyInProgress(legs, topology, parser, keyIndex, sharded ? keyColumn : null, format.Header, [copy.Table.Name]);
            BackendMessageWriter.WriteEncoded(_output, legs[0].CopyInResponse!);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BackendException)
        {
            await EndCopyAsync(legs, null, CopyBrokeError(legs), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (_copyIn is null)
            {
                await ReleaseLegsAsync(legs).ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>The table's columns in COPY's order when the statement lists none: every column but generated ones, by position.</summary>
    private async Task<List<string>> TableColumnsAsync(ShardWriteLeg leg, PgTableReference table, CancellationToken cancellationToken)
    {
        string name = table.Schema is null ? Core.Sql.SqlQuoting.Identifier(table.Name) : Core.Sql.SqlQuoting.Identifier(table.Schema) + "." + Core.Sql.SqlQuoting.Identifier(table.Name);
        string sql = "select string_agg(attname, E'\\n' order by attnum) from pg_catalog.pg_attribute where attrelid = "
            + Core.Sql.SqlQuoting.Literal(name) + "::regclass and attnum > 0 and not attisdropped and attgenerated = ''";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_services.Options.BackendIoTimeoutMs);
        string? names = await leg.Backend.QueryFirstTextAsync(sql, ReadOnlyMemory<uint>.Empty, null, timeout.Token).ConfigureAwait(false);
        return names is null
            ? throw new WireException(SqlState.UndefinedObject, $"relation \"{table.QualifiedName}\" does not exist")
            : [.. names.Split('\n')];
    }

    /// <summary>CopyData, CopyDone and CopyFail of the COPY in progress; anything else ends it with an error.</summary>
    private async Task HandleCopyMessageAsync(FrontendMessage message, CancellationToken cancellationToken)
    {
        var copy = _copyIn!;
        try
        {
            switch (message.Type)
            {
                case FrontendMessageType.CopyData:
                    RouteCopyData(copy, message.Payload);
                    await SendCopyChunksAsync(copy, CopyChunkBytes, cancellationToken).ConfigureAwait(false);
                    if (copy.Legs.FirstOrDefault(static l => l.Error is not null) is { } failed)
                    {
                        // A shard refused a row before the end of the data: the other shards' COPYs stop here too.
                        await AbortCopyLegsAsync(copy.Legs, $"shard {failed.Shard.Id} failed", cancellationToken).ConfigureAwait(false);
                        await EndCopyAsync(copy.Legs, failed.Error, null, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case FrontendMessageType.CopyDone:
                    await FinishCopyAsync(copy, cancellationToken).ConfigureAwait(false);
                    break;
                case FrontendMessageType.CopyFail:
                    string reason = FrontendMessageDecoder.DecodeCopyFail(message);
                    await AbortCopyLegsAsync(copy.Legs, reason, cancellationToken).ConfigureAwait(false);
                    // Each shard answered its CopyFail with 57014 "COPY from stdin failed: <reason>", as PostgreSQL answers the client.
                    await EndCopyAsync(copy.Legs, copy.Legs[0].Error, copy.Legs[0].Error is null ? PostgresErrorFields.Error(SqlState.QueryCanceled, "COPY from stdin failed: " + reason) : null, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    await AbortCopyLegsAsync(copy.Legs, "the client broke the COPY protocol", cancellationToken).ConfigureAwait(false);
                    await EndCopyAsync(copy.Legs, null, PostgresErrorFields.Error(SqlState.ProtocolViolation, $"unexpected message type 0x{(byte)message.Type:X2} during COPY from stdin"), cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
        catch (WireException e) when (!e.IsFatal)
        {
            await AbortCopyLegsAsync(copy.Legs, e.Message, cancellationToken).ConfigureAwait(false);
            await EndCopyAsync(copy.Legs, null, e.ToErrorFields(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BackendException)
        {
            await AbortCopyLegsAsync(copy.Legs, "another shard's connection broke", cancellationToken).ConfigureAwait(false);
            await EndCopyAsync(copy.Legs, null, CopyBrokeError(copy.Legs), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cuts one CopyData message into rows and queues each row for its shard (no await: the payload is the client's buffer).</summary>
    private static void RouteCopyData(CopyInProgress copy, ReadOnlySequence<byte> payload)
    {
        if (copy.Ended)
        {
            return;
        }

        if (copy.Parser is null)
        {
            foreach (var segment in payload)
            {
                copy.Pending[0].Write(segment.Span);
            }

            return;
        }

        ReadOnlySpan<byte> data = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        int at = 0;
        while (at < data.Length && !copy.Ended)
        {
            int end = copy.Parser.FindRowEnd(data, at);
            if (end < 0)
            {
                copy.Carry.Write(data[at..]);
                return;
            }

            if (copy.Carry.WrittenCount > 0)
            {
                copy.Carry.Write(data[at..end]);
                RouteCopyRow(copy, copy.Carry.WrittenSpan);
                copy.Carry.ResetWrittenCount();
            }
            else
            {
                RouteCopyRow(copy, data[at..end]);
            }

            at = end;
        }
    }

    private static void RouteCopyRow(CopyInProgress copy, ReadOnlySpan<byte> row)
    {
        if (copy.HeaderPending)
        {
            // Every shard's COPY was given HEADER: each skips (or, for MATCH, checks) its own copy of the line.
            copy.HeaderPending = false;
            foreach (var pending in copy.Pending)
            {
                pending.Write(row);
            }

            return;
        }

        if (CopyRowParser.IsEndMarker(row))
        {
            copy.Ended = true;
            return;
        }

        copy.Rows++;
        int leg = copy.Parser!.ReadKey(row, copy.KeyIndex, out string? key) switch
        {
            CopyKey.Value => copy.LegOfShard[copy.Topology.Route(key!).Id],
            // Too few fields to reach the key: any shard reports the row's error as PostgreSQL words it.
            CopyKey.Missing => 0,
            _ => throw new WireException(
                SqlState.FeatureNotSupported,
                string.Create(CultureInfo.InvariantCulture, $"Row {copy.Rows} of the COPY has NULL in the shard key column {copy.KeyColumn}; no shard owns a NULL key, so nothing was copied."),
                WireRouter.HowToNameTheKey),
        };
        copy.Pending[leg].Write(row);
    }

    /// <summary>Sends each leg's queued rows once they reach <paramref name="threshold"/> bytes, and learns of a shard's early error.</summary>
    private static async Task SendCopyChunksAsync(CopyInProgress copy, int threshold, CancellationToken cancellationToken)
    {
        for (int i = 0; i < copy.Legs.Count; i++)
        {
            var pending = copy.Pending[i];
            var leg = copy.Legs[i];
            if (pending.WrittenCount == 0 || pending.WrittenCount < threshold || !leg.InCopy)
            {
                continue;
            }

            leg.WriteCopyData(pending.WrittenSpan);
            pending.ResetWrittenCount();
            await leg.FlushAsync(cancellationToken).ConfigureAwait(false);
            await leg.PollAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>CopyDone: the last row, every shard's CopyDone, then the commits and <c>COPY n</c>.</summary>
    private async Task FinishCopyAsync(CopyInProgress copy, CancellationToken cancellationToken)
    {
        if (copy.Carry.WrittenCount > 0 && !copy.Ended)
        {
            // The last row may lack its newline, as PostgreSQL allows.
            RouteCopyRow(copy, copy.Carry.WrittenSpan);
            copy.Carry.ResetWrittenCount();
        }

        await SendCopyChunksAsync(copy, threshold: 1, cancellationToken).ConfigureAwait(false);
        foreach (var leg in copy.Legs.Where(static l => l.InCopy))
        {
            leg.WriteCopyDone();
        }

        await ExchangeAsync(copy.Legs, untilCopyIn: false, cancellationToken).ConfigureAwait(false);
        if (copy.Legs.FirstOrDefault(static l => l.Error is not null) is { } failed)
        {
            await EndCopyAsync(copy.Legs, failed.Error, null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (await CommitAllAsync(copy.Legs, "A COPY split across shards", cancellationToken).ConfigureAwait(false) is { } commitError)
        {
            await EndCopyAsync(copy.Legs, null, commitError, cancellationToken).ConfigureAwait(false);
            return;
        }

        await RecordSplitWriteAsync(copy.Legs, copy.Tables, cancellationToken).ConfigureAwait(false);
        long rows = copy.Legs.Sum(static l => l.Rows);
        await EndCopyAsync(copy.Legs, null, null, cancellationToken, string.Create(CultureInfo.InvariantCulture, $"COPY {rows}")).ConfigureAwait(false);
    }

    /// <summary>Ends every shard's copy-in mode that is still on with CopyFail and reads the shards' answers.</summary>
    private static async Task AbortCopyLegsAsync(List<ShardWriteLeg> legs, string reason, CancellationToken cancellationToken)
    {
        var copying = legs.Where(static l => l.InCopy).ToList();
        foreach (var leg in copying)
        {
            leg.WriteCopyFail(reason);
        }

        try
        {
            await ExchangeAsync(copying, untilCopyIn: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BackendException)
        {
            // That leg is marked broken: closing its connection ends its COPY and rolls its transaction back.
        }
    }

    /// <summary>
    /// Ends the COPY for the client: on an error, rolls every shard back and answers it (a shard's ErrorResponse as it
    /// was sent, or DataTier's); on success answers <paramref name="tag"/>. Then ReadyForQuery, and the legs go back.
    /// </summary>
    private async Task EndCopyAsync(List<ShardWriteLeg> legs, byte[]? shardError, PostgresErrorFields? error, CancellationToken cancellationToken, string? tag = null)
    {
        _copyIn = null;
        try
        {
            if (shardError is not null || error is not null)
            {
                await RollbackAllAsync(legs, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await ReleaseLegsAsync(legs).ConfigureAwait(false);
        }

        if (shardError is not null)
        {
            _services.Metrics.Errors.WithLabels(legs.First(l => l.Error == shardError).ErrorCode ?? "", "backend").Inc();
            BackendMessageWriter.WriteEncoded(_output, shardError);
        }
        else if (error is not null)
        {
            _services.Metrics.Errors.WithLabels(error.Code ?? SqlState.InternalError, "datatier").Inc();
            BackendMessageWriter.WriteErrorResponse(_output, error);
        }
        else
        {
            BackendMessageWriter.WriteCommandComplete(_output, tag!);
        }

        BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static PostgresErrorFields CopyBrokeError(List<ShardWriteLeg> legs) =>
        PostgresErrorFields.Error(
            SqlState.ConnectionFailure,
            $"The connection to shard {legs.FirstOrDefault(static l => l.Backend.IsBroken)?.Shard.Id ?? "?"} broke during a COPY split across shards; no shard committed its rows.") with { Hint = "Retry the COPY." };
}
