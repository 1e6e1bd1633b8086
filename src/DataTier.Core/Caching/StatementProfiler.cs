using System.Collections.Concurrent;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Caching;

/// <summary>
/// Asks PostgreSQL's planner, once per statement shape, which tables a statement reads or writes, its estimated
/// cost and its complexity. Every shard has the same schema, so one plan serves all shards.
/// </summary>
public sealed class StatementProfiler
{
    private const int ExplainTimeoutMs = 5000;
    private readonly ConcurrentDictionary<string, Task<StatementProfile>> _profiles = new(StringComparer.Ordinal);
    private readonly ShardExecutor _executor;
    private readonly CacheOptions _options;

    /// <summary>Creates the profiler.</summary>
    public StatementProfiler(ShardExecutor executor, IOptions<CacheOptions> options)
    {
        _executor = executor;
        _options = options.Value;
    }

    /// <summary>Shapes profiled so far.</summary>
    public int Count => _profiles.Count;

    /// <summary>The profile of a statement already profiled, without waiting.</summary>
    public bool TryGet(BoundStatement statement, out StatementProfile profile)
    {
        if (_profiles.TryGetValue(statement.Sql, out var known) && known.IsCompletedSuccessfully)
        {
            profile = known.Result;
            return true;
        }

        profile = null!;
        return false;
    }

    /// <summary>The profile of a statement, from cache or by running EXPLAIN on <paramref name="node"/>.</summary>
    public Task<StatementProfile> GetAsync(NodeDefinition node, BoundStatement statement, CancellationToken cancellationToken)
    {
        if (_profiles.TryGetValue(statement.Sql, out var known) && !known.IsFaulted && !known.IsCanceled)
        {
            return known;
        }

        if (_profiles.Count >= _options.MaxProfiles)
        {
            // Bounded memory: forget everything rather than track recency on the hot path; shapes are re-profiled.
            _profiles.Clear();
        }

        var task = ExplainAsync(node, statement, cancellationToken);
        _profiles[statement.Sql] = task;
        return task;
    }

    private async Task<StatementProfile> ExplainAsync(NodeDefinition node, BoundStatement statement, CancellationToken cancellationToken)
    {
        var explain = statement with { Sql = "EXPLAIN (FORMAT JSON) " + statement.Sql };
        var result = await _executor.ReadAsync(node, explain, 1, ExplainTimeoutMs, snapshotLsn: false, cancellationToken).ConfigureAwait(false);
        var json = result.Rows[0][0] switch
        {
            RawJson raw => raw.Json,
            string text => text,
            var other => throw new InvalidOperationException($"EXPLAIN returned {other?.GetType().Name ?? "null"}."),
        };
        return PlanAnalyzer.Analyze(json);
    }
}
