using DataTier.Core.Catalog;
using DataTier.Core.Execution;
using DataTier.Core.Nodes;
using DataTier.Core.Ring;
using DataTier.Core.Topology;
using Dapper;
using Npgsql;

namespace DataTier.Core.Rebalancing;

/// <summary>
/// Plans a rebalancing: the segments of the ring whose owner differs between the routing ring and the desired
/// ring, with their rows counted by each source shard itself. One query per table and shard numbers every row by
/// its segment (<c>width_bucket</c> over the sorted segment ends, a binary search per row, in one pass) and returns
/// one count per segment, so no row leaves the database. Bytes are estimated from each table's size per row.
/// </summary>
public sealed class RebalancePlanner(ITopologyProvider topology, CatalogDatabase catalog, NodeDataSources nodes)
{
    /// <summary>How long one counting query may run.</summary>
    public const int CountTimeoutSeconds = 300;

    /// <summary>The plan for the topology in force now.</summary>
    public async Task<RebalancePlan> PlanAsync(CancellationToken cancellationToken)
    {
        var snapshot = topology.Current;
        var desired = snapshot.DesiredRing ?? snapshot.Ring;
        var segments = RingSegments.Between(snapshot.Ring, desired);
        var thresholds = RingSegments.Thresholds(segments);
        var tables = await ShardedTablesAsync(cancellationToken).ConfigureAwait(false);

        var rows = new long[segments.Count];
        var bytes = new double[segments.Count];
        var misplaced = new Dictionary<string, long>(StringComparer.Ordinal);
        var perTable = tables.ToDictionary(t => t.Name, t => new TablePlan(t.Name, 0, 0, 0, 0), StringComparer.Ordinal);
        var blockers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var shard in snapshot.Shards)
        {
            misplaced[shard.Id] = 0;
            await using var conn = await nodes.Get(shard.Primary).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            foreach (string table in await WithoutPrimaryKeyAsync(conn, tables, cancellationToken).ConfigureAwait(false))
            {
                blockers.Add($"Table '{table}' has no primary key on shard {shard.Id}: a move could not tell its rows apart to catch up and verify; add one before rebalancing.");
            }

            foreach (var table in tables)
            {
                var counts = await CountAsync(conn, table, thresholds, cancellationToken).ConfigureAwait(false);
                long tableRows = counts.Sum(c => c.Rows);
                double perRow = tableRows == 0 ? 0 : (double)await TableBytesAsync(conn, table, cancellationToken).ConfigureAwait(false) / tableRows;
                foreach (var (segment, count) in counts)
                {
                    if (segments[segment].From != shard.Id)
                    {
                        misplaced[shard.Id] += count;
                        continue;
                    }

                    rows[segment] += count;
                    bytes[segment] += count * perRow;
                    var t = perTable[table.Name];
                    bool moves = segments[segment].Moves;
                    perTable[table.Name] = t with
                    {
                        Rows = t.Rows + count,
                        MovedRows = t.MovedRows + (moves ? count : 0),
                        Bytes = t.Bytes + (long)Math.Round(count * perRow),
                        MovedBytes = t.MovedBytes + (moves ? (long)Math.Round(count * perRow) : 0),
                    };
                }
            }
        }

        return Build(snapshot, desired, tables.Select(t => perTable[t.Name]).ToList(), segments, rows, bytes, misplaced) with { Blockers = [.. blockers] };
    }

    /// <summary>Assembles a plan from per-segment counts (pure, for tests).</summary>
    public static RebalancePlan Build(TopologySnapshot snapshot, HashRing desired, IReadOnlyList<TablePlan> tables, IReadOnlyList<RingSegment> segments, long[] rows, double[] bytes, IReadOnlyDictionary<string, long> misplaced)
    {
        var moves = new List<PlannedMove>();
        var now = new Dictionary<string, long>(StringComparer.Ordinal);
        var after = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int i = 0; i < segments.Count; i++)
        {
            var s = segments[i];
            now[s.From] = now.GetValueOrDefault(s.From) + rows[i];
            after[s.To] = after.GetValueOrDefault(s.To) + rows[i];
            if (s.Moves)
            {
                moves.Add(new PlannedMove(s.Start, s.End, s.IncludesStart, s.From, s.To, rows[i], (long)Math.Round(bytes[i])));
            }
        }

        long total = rows.Sum();
        double weightSum = desired.Members.Sum(m => m.Weight);
        var shares = desired.Members.ToDictionary(m => m.ShardId, m => m.Weight / weightSum, StringComparer.Ordinal);
        var ids = snapshot.Shards.Select(s => s.Id).Concat(snapshot.PendingShards.Select(s => s.Id)).Distinct().ToList();
        // The least any placement reaching the desired shares must move: what each shard holds above its share.
        double ideal = total == 0 ? 0 : ids.Sum(id => Math.Max(0, now.GetValueOrDefault(id) - (total * shares.GetValueOrDefault(id)))) / total;
        long moved = moves.Sum(m => m.Rows);
        var balances = ids.Select(id =>
        {
            double share = shares.GetValueOrDefault(id);
            long rowsAfter = after.GetValueOrDefault(id);
            string state = snapshot.ShardsById.ContainsKey(id) ? (share > 0 ? "routing" : "draining") : (share > 0 ? "pending" : "empty");
            return new ShardBalance(id, state, now.GetValueOrDefault(id), rowsAfter, share, share == 0 || total == 0 ? 0 : rowsAfter / (total * share), misplaced.GetValueOrDefault(id));
        }).ToList();
        double ring = segments.Where(s => s.Moves).Sum(s => ((double)s.End - s.Start) / Math.Pow(2, 64));
        return new RebalancePlan(snapshot.Version, tables, total, moved, moves.Sum(m => m.Bytes),
            total == 0 ? 0 : (double)moved / total, ideal, balances, moves)
        {
            MovedRingFraction = ring,
        };
    }

    /// <summary>The sharded tables registered in the catalog, with their shard-key columns.</summary>
    public async Task<IReadOnlyList<ShardedTable>> ShardedTablesAsync(CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        var tables = await conn.QueryAsync<ShardedTable>(new CommandDefinition(
            "select table_name as Name, shard_key_column as KeyColumn from datatier.sharded_tables order by table_name", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return tables.ToList();
    }

    private static async Task<List<string>> WithoutPrimaryKeyAsync(NpgsqlConnection conn, IReadOnlyList<ShardedTable> tables, CancellationToken cancellationToken)
    {
        var missing = await conn.QueryAsync<string>(new CommandDefinition(
            "select t from unnest(@t::text[]) t where not exists (select 1 from pg_constraint c where c.conrelid = to_regclass(quote_ident(t)) and c.contype = 'p') order by 1",
            new { t = tables.Select(t => t.Name).ToArray() }, commandTimeout: 30, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return missing.ToList();
    }

    private static async Task<List<(int Segment, long Rows)>> CountAsync(NpgsqlConnection conn, ShardedTable table, long[] thresholds, CancellationToken cancellationToken)
    {
        // The same position the router computes: PostgreSQL's hashtextextended of the key as text.
        string position = $"hashtextextended({Sql.SqlQuoting.Identifier(table.KeyColumn)}::text, 0)";
        var command = thresholds.Length == 0
            ? new CommandDefinition($"select 0 as Segment, count(*) as Rows from {Sql.SqlQuoting.Identifier(table.Name)}",
                commandTimeout: CountTimeoutSeconds, cancellationToken: cancellationToken)
            : new CommandDefinition($"select width_bucket({position}, @t) as Segment, count(*) as Rows from {Sql.SqlQuoting.Identifier(table.Name)} group by 1",
                new { t = thresholds }, commandTimeout: CountTimeoutSeconds, cancellationToken: cancellationToken);
        var counts = await conn.QueryAsync<SegmentCount>(command).ConfigureAwait(false);
        return counts.Where(c => c.Rows > 0).Select(c => (c.Segment, c.Rows)).ToList();
    }

    private static async Task<long> TableBytesAsync(NpgsqlConnection conn, ShardedTable table, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("select pg_table_size(@t::regclass)", conn) { CommandTimeout = 30 };
        cmd.Parameters.AddWithValue("t", Sql.SqlQuoting.Identifier(table.Name));
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
