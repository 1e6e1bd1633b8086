using System.Collections.Concurrent;
using DataTier.Core.Health;
using DataTier.Core.Topology;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// Samples every node's cumulative counters at a fixed interval and keeps the rates between samples for
/// <see cref="DigestOptions.HistoryMinutes"/> in memory.
/// </summary>
public sealed partial class PerformanceSampler : BackgroundService
{
    private const string SampleSql =
        """
        select d.xact_commit as Commits, d.xact_rollback as Rollbacks, d.blks_hit as BlocksHit, d.blks_read as BlocksRead,
               (select coalesce(sum(idx_blks_hit), 0)::int8 from pg_statio_user_indexes) as IndexBlocksHit,
               (select coalesce(sum(idx_blks_read), 0)::int8 from pg_statio_user_indexes) as IndexBlocksRead,
               d.deadlocks as Deadlocks,
               (select count(*)::int from pg_stat_activity) as Connections,
               current_setting('max_connections')::int as MaxConnections,
               pg_database_size(current_database()) as DatabaseBytes,
               (select count(*)::int from pg_stat_activity where wait_event_type = 'Lock') as LockWaits
        from pg_stat_database d where d.datname = current_database()
        """;

    private readonly ConcurrentDictionary<string, NodeSample> _last = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<NodeRates>> _history = new(StringComparer.Ordinal);
    private readonly DatabaseInspector _inspector;
    private readonly ITopologyProvider _topology;
    private readonly NodeHealthMonitor _health;
    private readonly DigestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PerformanceSampler> _logger;
    private readonly int _maxSamples;

    /// <summary>Creates the sampler.</summary>
    public PerformanceSampler(DatabaseInspector inspector, ITopologyProvider topology, NodeHealthMonitor health, IOptions<DigestOptions> options, TimeProvider time, ILogger<PerformanceSampler> logger)
    {
        _inspector = inspector;
        _topology = topology;
        _health = health;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _maxSamples = Math.Max(1, (int)(_options.HistoryMinutes * 60_000L / _options.SampleIntervalMs));
    }

    /// <summary>The latest rates of a node, if two samples exist.</summary>
    public NodeRates? Latest(string nodeId) => _history.TryGetValue(nodeId, out var q) && !q.IsEmpty ? q.Last() : null;

    /// <summary>The rates of a node within a window.</summary>
    public IReadOnlyList<NodeRates> History(string nodeId, TimeSpan window)
    {
        var since = _time.GetUtcNow() - window;
        return _history.TryGetValue(nodeId, out var q) ? q.Where(r => r.At >= since).ToList() : [];
    }

    /// <summary>Samples every reachable node once.</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var nodes = _topology.Current.Shards.SelectMany(s => s.Nodes).Where(n => _health.Get(n).Reachable).ToList();
        await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                var rows = await _inspector.QueryAsync<NodeCounters>(node, SampleSql, cancellationToken).ConfigureAwait(false);
                if (rows.Count == 0)
                {
                    return;
                }

                var sample = new NodeSample(_time.GetUtcNow(), rows[^1]);

                if (_last.TryGetValue(node.Id, out var previous))
                {
                    var queue = _history.GetOrAdd(node.Id, static _ => new ConcurrentQueue<NodeRates>());
                    queue.Enqueue(NodeRates.Between(previous, sample));
                    while (queue.Count > _maxSamples && queue.TryDequeue(out _))
                    {
                    }
                }

                _last[node.Id] = sample;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or Errors.DataTierException or OperationCanceledException or TimeoutException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                Log.SampleFailed(_logger, node.Id, ex.GetType().Name);
            }
        })).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.SampleIntervalMs), _time);
        try
        {
            do
            {
                await SampleAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.PerformanceSampleFailed, EventName = "PerformanceSampleFailed", Level = LogLevel.Warning, Message = "Performance sample of {NodeId} failed ({ExceptionType})")]
        public static partial void SampleFailed(ILogger logger, string nodeId, string exceptionType);
    }
}
