using System.Collections.Concurrent;
using System.Diagnostics;
using DataTier.Core.Diagnostics;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Health;

/// <summary>
/// Probes every node of the current topology at a fixed interval (reachable, in recovery, LSN, lag) and keeps
/// the latest finding per node. Requests read it without locking. A node that fails a request for a connection
/// reason is taken out of rotation at once; the next successful probe puts it back.
/// </summary>
public sealed partial class NodeHealthMonitor : BackgroundService
{
    // Lag is 0 when the replica has replayed all it received: after a restart the receive position starts at the
    // beginning of the segment streaming resumes from, below what was already replayed, and on an idle primary no
    // new commit would come to bring the two together, so "time since the last replayed commit" would keep a healthy
    // replica out of rotation. Until the WAL receiver reports a position (NULL), the commit-time lag is used.
    // The timeline of a primary is read from the name of its current WAL file (as Patroni does), not from
    // pg_control_checkpoint(): after a promotion the control file keeps the old timeline until the first checkpoint
    // completes, which a spread checkpoint may take minutes to do. A standby reports the timeline it receives.
    private const string ProbeSql =
        """
        select pg_is_in_recovery() as InRecovery,
               coalesce(case when pg_is_in_recovery() then pg_last_wal_replay_lsn() else pg_current_wal_lsn() end - '0/0'::pg_lsn, 0)::int8 as Lsn,
               case when not pg_is_in_recovery() then 0::float8
                    when pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn() then 0::float8
                    else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float8 end as LagSeconds,
               case when pg_is_in_recovery() then coalesce((select received_tli from pg_stat_wal_receiver limit 1), 0)
                    else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end as Timeline
        """;

    private readonly ConcurrentDictionary<string, NodeHealth> _health = new(StringComparer.Ordinal);
    // Node ids are positional ("s1-primary"), so a followed failover moves an id to another server: the findings are
    // also kept by server, and a node whose id-keyed finding is about another server takes its own server's.
    private readonly ConcurrentDictionary<string, NodeHealth> _byServer = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _primaryTimelines = new(StringComparer.Ordinal);
    private readonly IProbeRoundObserver[] _observers;
    private readonly ITopologyProvider _topology;
    private readonly NodeDataSources _dataSources;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<NodeHealthMonitor> _logger;
    private readonly Diagnostics.DataTierMetrics _metrics;
    private readonly TaskCompletionSource _firstRound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the monitor.</summary>
    public NodeHealthMonitor(ITopologyProvider topology, NodeDataSources dataSources, IOptions<HealthOptions> options, TimeProvider time, ILogger<NodeHealthMonitor> logger, Diagnostics.DataTierMetrics metrics, IEnumerable<IProbeRoundObserver> observers)
    {
        _observers = [.. observers];
        _metrics = metrics;
        _topology = topology;
        _dataSources = dataSources;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Probe settings in force.</summary>
    public HealthOptions Options => _options;

    /// <summary>Completes when every node has been probed once.</summary>
    public Task FirstRound => _firstRound.Task;

    /// <summary>The last finding for a node.</summary>
    public NodeHealth Get(NodeDefinition node)
    {
        if (_health.TryGetValue(node.Id, out var h) && string.Equals(h.ConnectionString, node.ConnectionString, StringComparison.Ordinal))
        {
            return h;
        }

        return _byServer.TryGetValue(node.ConnectionString, out var server) ? server with { NodeId = node.Id, Role = node.Role } : NodeHealth.Unknown(node);
    }

    /// <summary>The newest WAL timeline a primary of the shard was seen on as a primary by this instance (0: none yet).</summary>
    public int LastPrimaryTimeline(string shardId) => _primaryTimelines.TryGetValue(shardId, out int timeline) ? timeline : 0;


    private void Store(NodeDefinition node, NodeHealth health)
    {
        _health[node.Id] = health;
        _byServer[node.ConnectionString] = health;
    }

    /// <summary>Takes a node out of rotation after a request saw a connection failure.</summary>
    public void ReportConnectionFailure(NodeDefinition node, Exception error)
    {
        var current = Get(node);
        if (current.Reachable)
        {
            Store(node, current with { Reachable = false, LastError = Describe(error), ConsecutiveFailures = current.ConsecutiveFailures + 1 });
            Log.NodeMarkedDown(_logger, node.Id, error.GetType().Name);
        }

        // Connections pooled before the failure are likely dead; drop them so the next request opens fresh ones.
        _dataSources.Clear(node);
    }

    /// <summary>Probes every node once, now.</summary>
    public async Task ProbeAllAsync(CancellationToken cancellationToken)
    {
        var snapshot = _topology.Current;
        // Replaced primaries are probed too: never routed to, but one that answers as a primary must be flagged.
        var nodes = snapshot.Shards.SelectMany(s => s.Nodes.Concat(s.Replaced)).ToArray();
        var results = await Task.WhenAll(nodes.Select(n => ProbeAsync(n, cancellationToken))).ConfigureAwait(false);
        var primaryLsn = results.Where(r => r.Role == NodeRole.Primary && r.Reachable)
            .ToDictionary(r => snapshot.NodesById[r.NodeId].ShardId, r => r.Lsn, StringComparer.Ordinal);
        for (int i = 0; i < nodes.Length; i++)
        {
            var result = results[i];
            if (result.Role == NodeRole.Replica && result.Reachable && primaryLsn.TryGetValue(nodes[i].ShardId, out var p))
            {
                result = result with { LagBytes = p > result.Lsn ? (long)(p - result.Lsn) : 0 };
            }

            var previous = Get(nodes[i]);
            if (result.Reachable && !previous.Reachable && previous.LastError != "not probed yet")
            {
                if (nodes[i].Role != NodeRole.Replaced)
                {
                    _dataSources.Clear(nodes[i]);
                }

                Log.NodeBackUp(_logger, nodes[i].Id);
            }
            else if (!result.Reachable && previous.Reachable)
            {
                Log.NodeMarkedDown(_logger, nodes[i].Id, result.LastError ?? "probe failed");
            }

            Store(nodes[i], result);
            var node = nodes[i];
            _metrics.NodeUp.WithLabels(node.Id, node.ShardId, NodeRoles.Name(node.Role)).Set(result.Reachable ? 1 : 0);
            if (node.Role == NodeRole.Primary && result.Reachable && !result.InRecovery && result.Timeline > 0)
            {
                _primaryTimelines.AddOrUpdate(node.ShardId, static (_, now) => now, static (_, seen, now) => Math.Max(seen, now), result.Timeline);
            }

            if (node.Role == NodeRole.Replaced)
            {
                FlagReplaced(snapshot.ShardsById[node.ShardId], node, previous, result);
                continue;
            }

            _metrics.PoolInUse.WithLabels(node.Id).Set(_dataSources.InUse(node.Id));
            _metrics.PoolMax.WithLabels(node.Id).Set(_dataSources.Options.MaxPoolSize);
            if (node.Role == NodeRole.Replica && result.Reachable)
            {
                _metrics.ReplicaLagSeconds.WithLabels(node.Id).Set(result.LagSeconds);
                _metrics.ReplicaLagBytes.WithLabels(node.Id).Set(result.LagBytes);
            }
        }

        foreach (var shard in snapshot.Shards)
        {
            var primary = Get(shard.Primary);
            _metrics.ShardDegraded.WithLabels(shard.Id).Set(shard.Nodes.All(n => Get(n).Reachable) ? 0 : 1);
            _metrics.ShardPrimaryUp.WithLabels(shard.Id).Set(primary.Reachable && !primary.InRecovery ? 1 : 0);
        }

        foreach (var observer in _observers)
        {
            // An observer bounds its own work (the failover follower: DataTier:Failover:RecordTimeoutMs) and logs
            // its own failures; one that throws must not keep the round, or readiness, from completing.
            try
            {
                await observer.OnRoundCompletedAsync(snapshot, this, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ProbeRoundFailed(_logger, ex);
            }
        }

        _firstRound.TrySetResult();
    }

    // A replaced primary that answers as a primary (not in recovery) is a split brain DataTier guards against by
    // routing nothing to it; it is flagged in health, in a gauge the alert rules watch, and in the log on each change.
    private void FlagReplaced(ShardDefinition shard, NodeDefinition node, NodeHealth previous, NodeHealth now)
    {
        bool writable = now.Reachable && !now.InRecovery;
        bool wasWritable = previous.Reachable && !previous.InRecovery;
        _metrics.ReplacedPrimaryWritable.WithLabels(shard.Id, node.Id, node.Endpoint).Set(writable ? 1 : 0);
        if (writable && !wasWritable)
        {
            Log.ReplacedPrimaryWritable(_logger, node.Id, node.Endpoint, shard.Id, now.Timeline, Math.Max(shard.PrimaryTimeline, LastPrimaryTimeline(shard.Id)));
        }
        else if (!writable && wasWritable)
        {
            Log.ReplacedPrimaryQuiet(_logger, node.Id, node.Endpoint, shard.Id, now.Reachable ? "a standby" : "down");
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.ProbeIntervalMs), _time);
        do
        {
            try
            {
                await ProbeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ProbeRoundFailed(_logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<NodeHealth> ProbeAsync(NodeDefinition node, CancellationToken cancellationToken)
    {
        var previous = Get(node);
        long started = Stopwatch.GetTimestamp();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_options.ProbeTimeoutMs);
        try
        {
            // Unpooled: a probe must not queue behind an exhausted pool, and must prove a fresh connect works.
            var csb = new NpgsqlConnectionStringBuilder(node.ConnectionString)
            {
                Pooling = false,
                ApplicationName = "datatier-probe",
                Timeout = Math.Max(1, (int)Math.Ceiling(_options.ProbeTimeoutMs / 1000.0)),
            };
            await using var conn = new NpgsqlConnection(csb.ConnectionString);
            await conn.OpenAsync(cts.Token).ConfigureAwait(false);
            var probe = await conn.QuerySingleAsync<NodeProbe>(new CommandDefinition(ProbeSql, cancellationToken: cts.Token)).ConfigureAwait(false);
            return new NodeHealth
            {
                NodeId = node.Id,
                Role = node.Role,
                Reachable = true,
                InRecovery = probe.InRecovery,
                Lsn = (ulong)probe.Lsn,
                LagSeconds = probe.LagSeconds,
                Timeline = probe.Timeline,
                ConnectionString = node.ConnectionString,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                CheckedAt = _time.GetUtcNow(),
            };
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return previous with
            {
                Reachable = false,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                CheckedAt = _time.GetUtcNow(),
                ConsecutiveFailures = previous.ConsecutiveFailures + 1,
                LastError = Describe(ex),
            };
        }
    }

    /// <summary>An error description safe to show: exception type and SQLSTATE or a generic reason, never a connection string.</summary>
    public static string Describe(Exception error) => error switch
    {
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
        OperationCanceledException => "timed out",
        NpgsqlException { InnerException: System.Net.Sockets.SocketException se } => $"connection failed: {se.SocketErrorCode}",
        NpgsqlException { InnerException: TimeoutException } => "connection timed out",
        NpgsqlException => "connection failed",
        _ => error.GetType().Name,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.NodeMarkedDown, EventName = "NodeMarkedDown", Level = LogLevel.Warning, Message = "Node {NodeId} taken out of rotation: {Reason}")]
        public static partial void NodeMarkedDown(ILogger logger, string nodeId, string reason);

        [LoggerMessage(EventId = LogEventIds.NodeBackUp, EventName = "NodeBackUp", Level = LogLevel.Information, Message = "Node {NodeId} answers again and is back in rotation")]
        public static partial void NodeBackUp(ILogger logger, string nodeId);

        [LoggerMessage(EventId = LogEventIds.ReplacedPrimaryWritable, EventName = "ReplacedPrimaryWritable", Level = LogLevel.Warning,
            Message = "Node {NodeId} ({Endpoint}), replaced as shard {ShardId}'s primary by a promoted replica, answers as a primary on timeline {Timeline} (the shard's primary is on {ShardTimeline}): DataTier routes nothing to it; rewind it as a standby (pg_rewind) or stop it, since other clients could still write to it")]
        public static partial void ReplacedPrimaryWritable(ILogger logger, string nodeId, string endpoint, string shardId, int timeline, int shardTimeline);

        [LoggerMessage(EventId = LogEventIds.ReplacedPrimaryQuiet, EventName = "ReplacedPrimaryQuiet", Level = LogLevel.Information, Message = "Node {NodeId} ({Endpoint}), replaced as shard {ShardId}'s primary, no longer answers as a primary: it is {State}")]
        public static partial void ReplacedPrimaryQuiet(ILogger logger, string nodeId, string endpoint, string shardId, string state);

        [LoggerMessage(EventId = LogEventIds.ProbeRoundFailed, EventName = "ProbeRoundFailed", Level = LogLevel.Error, Message = "A probe round failed")]
        public static partial void ProbeRoundFailed(ILogger logger, Exception error);
    }
}
