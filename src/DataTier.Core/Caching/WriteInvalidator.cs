using DataTier.Core.Diagnostics;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;

namespace DataTier.Core.Caching;

/// <summary>
/// After a committed write, bumps the versions of the tables it modified (as the planner names them) on its shard,
/// which invalidates every cached result that read them, in every DataTier instance.
/// </summary>
public sealed partial class WriteInvalidator
{
    private readonly StatementProfiler _profiler;
    private readonly TableVersions _versions;
    private readonly QueryCache _cache;
    private readonly ITopologyProvider _topology;
    private readonly ILogger<WriteInvalidator> _logger;

    /// <summary>Creates the invalidator.</summary>
    public WriteInvalidator(StatementProfiler profiler, TableVersions versions, QueryCache cache, ITopologyProvider topology, ILogger<WriteInvalidator> logger)
    {
        _profiler = profiler;
        _versions = versions;
        _cache = cache;
        _topology = topology;
        _logger = logger;
    }

    /// <summary>Invalidates what a committed write touched.</summary>
    public async Task InvalidateAsync(CommittedWrite write, IReadOnlyList<BoundStatement> statements, CancellationToken cancellationToken)
    {
        var shard = _topology.Current.ShardsById[write.ShardId];
        var tables = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var statement in statements)
            {
                var profile = await _profiler.GetAsync(shard.Primary, statement, cancellationToken).ConfigureAwait(false);
                tables.UnionWith(profile.WrittenTables);
            }
        }
        catch (Exception ex) when (ex is Errors.DataTierException or InvalidOperationException or System.Text.Json.JsonException)
        {
            // Without the plan we cannot name the tables: drop this instance's L1 and bump every known table of the shard.
            Log.InvalidationFallback(_logger, write.ShardId, ex.GetType().Name);
            _cache.ClearL1();
            tables.UnionWith(_versions.Known.Where(k => k.Shard == write.ShardId).Select(k => k.Table));
        }

        await _versions.BumpAsync(write.ShardId, tables, write.CommitLsn).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.InvalidationFallback, EventName = "InvalidationFallback", Level = LogLevel.Warning, Message = "Could not plan a write on shard {ShardId} ({ExceptionType}); invalidated every known table of the shard")]
        public static partial void InvalidationFallback(ILogger logger, string shardId, string exceptionType);
    }
}
