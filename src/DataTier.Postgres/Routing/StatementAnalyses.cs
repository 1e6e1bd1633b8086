using System.Collections.Concurrent;
using DataTier.Core.Ownership;
using DataTier.Core.Sql.Tree;

namespace DataTier.Postgres.Routing;

/// <summary>
/// libpg_query analyses of client SQL, cached by text and sharded-table version: a repeated statement (every pgbench
/// transaction, every Npgsql command) is parsed once. Bounded: when full, the cache is cleared and refills.
/// </summary>
internal sealed class StatementAnalyses
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);

    private sealed record Entry(PgSqlAnalysis Analysis, int Version);

    /// <exception cref="PgQueryException">The parser refused the text.</exception>
    public PgSqlAnalysis Analyze(string sql, ShardedTables.Snapshot tables)
    {
        if (_cache.TryGetValue(sql, out var entry) && entry.Version == tables.Version)
        {
            return entry.Analysis;
        }

        var analysis = PgSqlAnalyzer.Analyze(sql, tables.Tables);
        if (_cache.Count >= Capacity)
        {
            _cache.Clear();
        }

        _cache[sql] = new Entry(analysis, tables.Version);
        return analysis;
    }
}
