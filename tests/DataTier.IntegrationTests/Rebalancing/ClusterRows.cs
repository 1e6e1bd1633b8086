using DataTier.Core.Ring;
using Npgsql;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// Every row of every sharded table on every shard, read straight from the primaries: to check a move lost,
/// duplicated and resurrected nothing, and that each row sits on the shard the ring names.
/// </summary>
internal sealed class ClusterRows
{
    /// <summary>The sharded demo tables.</summary>
    public static readonly string[] Tables = ["teams", "users", "tasks", "activity_logs", "agent_cards"];

    private ClusterRows(Dictionary<string, List<(string Shard, string TeamId, string Row)>> rows) => Rows = rows;

    /// <summary>Per table: each row's shard, key and JSON text.</summary>
    public Dictionary<string, List<(string Shard, string TeamId, string Row)>> Rows { get; }

    /// <summary>Reads every row of every shard (primaries, app role).</summary>
    public static async Task<ClusterRows> ReadAsync(IReadOnlyDictionary<string, string> primaries)
    {
        var rows = Tables.ToDictionary(t => t, _ => new List<(string, string, string)>());
        foreach (var (shard, connectionString) in primaries)
        {
            await using var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await conn.OpenAsync();
            foreach (string table in Tables)
            {
                await using var cmd = new NpgsqlCommand($"select team_id, to_jsonb(x)::text from {table} x", conn);
                await using var reader = await cmd.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    rows[table].Add((shard, reader.GetString(0), reader.GetString(1)));
                }
            }
        }

        return new ClusterRows(rows);
    }

    /// <summary>Rows of a table as a multiset (row text -> count), optionally leaving some out.</summary>
    public Dictionary<string, int> Multiset(string table, Func<string, bool>? leaveOut = null)
    {
        var set = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, _, row) in Rows[table])
        {
            if (leaveOut?.Invoke(row) != true)
            {
                set[row] = set.GetValueOrDefault(row) + 1;
            }
        }

        return set;
    }

    /// <summary>Rows that sit on a shard other than the one <paramref name="ring"/> names for their key.</summary>
    public List<string> Misplaced(HashRing ring) =>
        Rows.SelectMany(t => t.Value.Where(r => ring.GetShard(r.TeamId) != r.Shard).Select(r => $"{t.Key} {r.TeamId} on {r.Shard}, ring says {ring.GetShard(r.TeamId)}")).ToList();

    /// <summary>Describes how two multisets differ (first few differences).</summary>
    public static string Difference(Dictionary<string, int> expected, Dictionary<string, int> actual)
    {
        var lines = new List<string>();
        foreach (var (row, n) in expected)
        {
            int m = actual.GetValueOrDefault(row);
            if (m != n)
            {
                lines.Add($"expected {n}, found {m}: {row}");
            }
        }

        foreach (var (row, m) in actual.Where(a => !expected.ContainsKey(a.Key)))
        {
            lines.Add($"unexpected x{m}: {row}");
        }

        return lines.Count == 0 ? "" : $"{lines.Count} differences, e.g.:\n" + string.Join("\n", lines.Take(10));
    }
}
