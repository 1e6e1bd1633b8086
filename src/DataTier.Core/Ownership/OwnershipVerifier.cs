using DataTier.Core.Catalog;
using DataTier.Core.Nodes;
using DataTier.Core.Rebalancing;
using DataTier.Core.Rebalancing.Moves;
using DataTier.Core.Ring;
using DataTier.Core.Topology;
using Dapper;
using Npgsql;

namespace DataTier.Core.Ownership;

/// <summary>
/// Counts, on every shard, the rows the routing ring places on another shard (each shard numbers its rows by ring
/// segment itself, as a rebalancing plan does, so no row leaves the database to be counted) and, on request, moves
/// them to their owners with the move's row transport: each row copied as JSON to its owner, where it is inserted
/// unless the owner holds a row with the same primary key, then deleted from the shard it was on only where the
/// owner now holds exactly that row. A row whose key the owner already holds with other values is left in place and
/// reported as a conflict: nothing is overwritten.
/// </summary>
public sealed class OwnershipVerifier(ITopologyProvider topology, CatalogDatabase catalog, NodeDataSources nodes)
{
    /// <summary>How long one counting query may run.</summary>
    public const int CountTimeoutSeconds = 300;

    private const int RepairBatchRows = 500;

    /// <summary>Counts misplaced rows; with <paramref name="repair"/>, moves them to their owners first.</summary>
    public async Task<OwnershipReport> VerifyAsync(bool repair, CancellationToken cancellationToken)
    {
        var snapshot = topology.Current;
        if (await MoveRunningAsync(cancellationToken).ConfigureAwait(false))
        {
            // During a move both sides hold the moving ranges on purpose: counting them would report the move itself.
            throw new TopologyChangeException("rebalance-running", "A rebalancing move is running: its copies sit on both sides until it ends. Verify once it has finished.", conflict: true);
        }

        var tables = await ShardedTableCatalog.ReadAsync(catalog, cancellationToken).ConfigureAwait(false);
        var ring = GuardRing.Of(snapshot.Ring);
        var segments = RingSegments.Between(snapshot.Ring, snapshot.Ring);
        var thresholds = RingSegments.Thresholds(segments);
        var shards = new List<ShardOwnership>();
        foreach (var shard in snapshot.Shards.Concat(snapshot.PendingShards))
        {
            await using var conn = await nodes.Get(shard.Primary).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var guard = await OwnershipGuard.ReadAsync(conn, cancellationToken).ConfigureAwait(false);
            var unguarded = await OwnershipGuard.UnguardedAsync(conn, tables, cancellationToken).ConfigureAwait(false);
            var shapes = (await ShardMoveOperations.ShapesAsync(conn, tables, cancellationToken).ConfigureAwait(false)).ToDictionary(s => s.Table.Name, StringComparer.Ordinal);
            var misplaced = new List<MisplacedRows>();
            foreach (var table in tables)
            {
                foreach (var (owner, rows) in await CountElsewhereAsync(conn, shapes[table.Name], shard.Id, segments, thresholds, cancellationToken).ConfigureAwait(false))
                {
                    misplaced.Add(repair
                        ? await RepairAsync(shard, snapshot.ShardsById[owner], shapes[table.Name], segments, rows, cancellationToken).ConfigureAwait(false)
                        : new MisplacedRows(table.Name, owner, rows));
                }
            }

            bool current = guard is not null && guard.Shard == shard.Id && guard.Fingerprint == ring.Fingerprint;
            shards.Add(new ShardOwnership(shard.Id, guard, current, unguarded.Select(t => t.Name).ToList(), misplaced));
        }

        return new OwnershipReport(snapshot.Version, snapshot.Ring.Fingerprint, repair, shards);
    }

    private async Task<bool> MoveRunningAsync(CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "select exists (select 1 from datatier.rebalance_moves where state = 'running')", commandTimeout: 10, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    // Rows of one table on a shard by the owner the ring gives them, leaving out the shard's own.
    private static async Task<List<(string Owner, long Rows)>> CountElsewhereAsync(NpgsqlConnection conn, TableShape table, string shardId, IReadOnlyList<RingSegment> segments, long[] thresholds, CancellationToken ct)
    {
        var counts = await conn.QueryAsync<SegmentCount>(new CommandDefinition(
            $"select width_bucket({table.Position}, @t) as Segment, count(*) as Rows from {table.Name} group by 1",
            new { t = thresholds }, commandTimeout: CountTimeoutSeconds, cancellationToken: ct)).ConfigureAwait(false);
        return counts.Select(c => (Owner: segments[c.Segment].To, c.Rows))
            .Where(c => c.Owner != shardId && c.Rows > 0)
            .GroupBy(c => c.Owner, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Sum(c => c.Rows)))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
    }

    private async Task<MisplacedRows> RepairAsync(ShardDefinition holder, ShardDefinition owner, TableShape table, IReadOnlyList<RingSegment> ring, long found, CancellationToken ct)
    {
        // The ring's segments as a move from the holder to each owner: the move's own selection of a range's rows.
        var ranges = new MoveRanges(ring.Select(s => s with { From = holder.Id }).ToList());
        await using var reader = await nodes.Get(holder.Primary).OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var deleter = await nodes.Get(holder.Primary).OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var target = await nodes.Get(owner.Primary).OpenConnectionAsync(ct).ConfigureAwait(false);
        long moved = 0, conflicts = 0;
        var batch = new List<string>(RepairBatchRows);
        await using (var rows = await reader.ExecuteReaderAsync(new CommandDefinition(
            $"select to_jsonb(x)::text as Json from {table.Name} x where (@g::text[])[width_bucket({table.Position}, @t) + 1] = @to",
            new { g = ranges.TargetsFrom(holder.Id), t = ranges.Thresholds, to = owner.Id }, commandTimeout: 0, cancellationToken: ct)).ConfigureAwait(false))
        {
            var parse = rows.GetRowParser<JsonRow>();
            while (true)
            {
                bool more = await rows.ReadAsync(ct).ConfigureAwait(false);
                if (more)
                {
                    batch.Add(parse(rows).Json);
                }

                if (batch.Count == RepairBatchRows || (!more && batch.Count > 0))
                {
                    int settled = await MoveBatchAsync(deleter, target, table, batch, ct).ConfigureAwait(false);
                    moved += settled;
                    conflicts += batch.Count - settled;
                    batch.Clear();
                }

                if (!more)
                {
                    break;
                }
            }
        }

        return new MisplacedRows(table.Table.Name, owner.Id, found, moved, conflicts);
    }

    // Inserts the rows on their owner where it holds none with their key, then deletes from the holder each row the
    // owner now holds exactly (just inserted, or copied by an earlier repair that stopped before its delete).
    private static async Task<int> MoveBatchAsync(NpgsqlConnection holder, NpgsqlConnection owner, TableShape table, List<string> rows, CancellationToken ct)
    {
        string json = "[" + string.Join(",", rows) + "]";
        string[] settled;
        await using (var tx = await owner.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            await owner.ExecuteAsync(new CommandDefinition(
                $"insert into {table.Name} ({table.ColumnList}) select {table.ColumnList} from jsonb_populate_recordset(null::{table.Name}, @rows::jsonb) on conflict do nothing",
                new { rows = json }, tx, commandTimeout: 60, cancellationToken: ct)).ConfigureAwait(false);
            settled = (await owner.QueryAsync<string>(new CommandDefinition(
                $"""
                select to_jsonb(t)::text from {table.Name} t
                where ({table.KeyList}) in (select {table.KeyList} from jsonb_populate_recordset(null::{table.Name}, @rows::jsonb))
                  and to_jsonb(t) in (select value from jsonb_array_elements(@rows::jsonb))
                """, new { rows = json }, tx, commandTimeout: 60, cancellationToken: ct)).ConfigureAwait(false)).ToArray();
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        if (settled.Length == 0)
        {
            return 0;
        }

        // Only rows unchanged since they were read: one updated meanwhile stays (and shows as a conflict next time).
        return await holder.ExecuteAsync(new CommandDefinition(
            $"""
            delete from {table.Name} x
            where ({table.KeyList}) in (select {table.KeyList} from jsonb_populate_recordset(null::{table.Name}, @rows::jsonb))
              and to_jsonb(x) in (select value from jsonb_array_elements(@rows::jsonb))
            """,
            new { rows = "[" + string.Join(",", settled) + "]" }, commandTimeout: 60, cancellationToken: ct)).ConfigureAwait(false);
    }
}
