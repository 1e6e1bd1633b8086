using DataTier.Core.Consistency;
using DataTier.Core.Errors;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Execution;

/// <summary>
/// Fans a read out to every shard (bounded concurrency) and merges the parts. With an order and a limit, each shard
/// returns only its own first rows in that order and the merge is a k-way merge.
/// </summary>
public sealed partial class ScatterReader
{
    private readonly ITopologyProvider _topology;
    private readonly ShardReader _reader;
    private readonly DataApiOptions _options;
    private readonly Ownership.ShardedTables _sharded;

    /// <summary>Creates the scatter reader.</summary>
    public ScatterReader(ITopologyProvider topology, ShardReader reader, IOptions<DataApiOptions> options, Ownership.ShardedTables sharded)
    {
        _topology = topology;
        _sharded = sharded;
        _reader = reader;
        _options = options.Value;
    }

    /// <summary>The shards a scatter read goes to now (one topology snapshot).</summary>
    public IReadOnlyList<ShardDefinition> Shards() => _topology.Current.Shards;

    /// <summary>
    /// Runs a read on the given shards; each shard's part is read at or after the LSN <paramref name="minLsnFor"/>
    /// names for it (0: any node), and records its snapshot LSN when <paramref name="snapshotLsn"/> is set.
    /// </summary>
    public async Task<ScatterOutcome> ReadAsync(IReadOnlyList<ShardDefinition> shards, BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, bool allowPartial, ConsistencyLevel consistency, Func<string, ulong> minLsnFor, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        if (PlanMerge(statement, await ShardedTablesAsync(cancellationToken).ConfigureAwait(false)) is { } plan)
        {
            return await ReadMergedAsync(plan, shards, statement, orderBy, limit, allowPartial, consistency, minLsnFor, maxRows, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
        }

        int perShardLimit = Math.Min(limit ?? maxRows, maxRows);
        var shardStatement = ScatterStatements.ForShard(statement, orderBy, limit, maxRows);
        var (parts, failures) = await ReadPartsAsync(shards, shardStatement, allowPartial, consistency, minLsnFor, perShardLimit, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
        var merged = Merge(parts, orderBy, perShardLimit);
        return new ScatterOutcome(merged, ShardResults(parts), failures);
    }

    // The k-way merge in a span of its own (null when nobody traces): a slow scatter shows whether the shards or the merge took the time.
    private static QueryResult Merge(List<ReadOutcome> parts, IReadOnlyList<SortColumn> orderBy, int perShardLimit)
    {
        using var activity = Diagnostics.DataTierTracing.Source.StartActivity(Diagnostics.DataTierTracing.Spans.Merge);
        var merged = ScatterMerge.Merge(parts, orderBy, perShardLimit);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(Diagnostics.DataTierTracing.Tags.Shards, parts.Count);
            activity.SetTag(Diagnostics.DataTierTracing.Tags.Rows, merged.Rows.Count);
        }

        return merged;
    }

    /// <summary>The sharded tables, or null when the catalog cannot say: then the planner refuses joins rather than guess.</summary>
    private async Task<ShardedTableLookup?> ShardedTablesAsync(CancellationToken cancellationToken)
    {
        try
        {
            return new ShardedTableLookup((await _sharded.GetAsync(cancellationToken).ConfigureAwait(false)).Tables);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or DataTierException)
        {
            return null;
        }
    }

    private static List<ScatterShardResult> ShardResults(List<ReadOutcome> parts) =>
        parts.Select(p => new ScatterShardResult(p.ShardId, p.Result.Rows.Count, p.ElapsedMs, p.Target.ServedBy, p.Target.Node.Id, p.Result.Lsn)).ToList();

    /// <summary>Runs <paramref name="shardStatement"/> on every shard (bounded concurrency); with <paramref name="allowPartial"/>, failed shards are listed instead of thrown.</summary>
    private async Task<(List<ReadOutcome> Parts, List<ScatterShardFailure> Failures)> ReadPartsAsync(IReadOnlyList<ShardDefinition> shards, BoundStatement shardStatement, bool allowPartial, ConsistencyLevel consistency, Func<string, ulong> minLsnFor, int perShardLimit, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(_options.ScatterConcurrency);
        var tasks = shards.Select(async shard =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var statementHere = shard.VisibilityRing is { } ring ? shardStatement with { Prelude = ScatterStatements.VisibilityPrelude(ring, shard.Id) } : shardStatement;
                return await _reader.ReadAsync(shard, statementHere, consistency, minLsnFor(shard.Id), perShardLimit, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (DataTierException) when (allowPartial)
        {
            // Collected per shard below.
        }

        var parts = new List<ReadOutcome>();
        var failures = new List<ScatterShardFailure>();
        for (int i = 0; i < tasks.Length; i++)
        {
            if (tasks[i].IsCompletedSuccessfully)
            {
                parts.Add(tasks[i].Result);
            }
            else
            {
                var error = tasks[i].Exception?.InnerException;
                if (error is not DataTierException dte || !allowPartial || dte.Kind == DataTierErrorKind.BadRequest || dte.Kind == DataTierErrorKind.SqlError)
                {
                    throw error ?? new OperationCanceledException();
                }

                failures.Add(new ScatterShardFailure(shards[i].Id, dte.Code, dte.Message));
            }
        }

        return (parts, failures);
    }
}
