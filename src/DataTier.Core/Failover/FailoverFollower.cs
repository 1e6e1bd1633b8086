using DataTier.Core.Diagnostics;
using DataTier.Core.Health;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Failover;

/// <summary>
/// After every probe round, looks for a shard whose primary no longer serves (unreachable, in recovery, or on an
/// older timeline) while one of its replicas answers out of recovery on a newer timeline, and makes that replica the
/// shard's primary: whatever promoted it (an HA manager, a cloud service, <c>pg_ctl promote</c>), writes follow
/// within a probe interval or two, without a restart. It never promotes anything itself.
/// </summary>
internal sealed partial class FailoverFollower : IProbeRoundObserver
{
    private readonly ITopologyProvider _topology;
    private readonly IPromotionRecorder _recorder;
    private readonly FailoverOptions _options;
    private readonly DataTierMetrics _metrics;
    private readonly ILogger<FailoverFollower> _logger;
    // Rounds run one at a time (the monitor awaits each observer), so this needs no lock.
    private readonly HashSet<string> _awaiting = new(StringComparer.Ordinal);

    public FailoverFollower(ITopologyProvider topology, IPromotionRecorder recorder, IOptions<FailoverOptions> options, DataTierMetrics metrics, ILogger<FailoverFollower> logger)
    {
        _topology = topology;
        _recorder = recorder;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc />
    public Task OnRoundCompletedAsync(TopologySnapshot snapshot, NodeHealthMonitor health, CancellationToken cancellationToken)
    {
        // Findings of a round that began under another version are about nodes that may have moved since.
        var current = _topology.Current;
        return !_options.FollowPromotions || current.Version != snapshot.Version ? Task.CompletedTask : FollowAsync(current, health, cancellationToken);
    }

    private async Task FollowAsync(TopologySnapshot current, NodeHealthMonitor health, CancellationToken stoppingToken)
    {
        foreach (var shard in current.Shards)
        {
            var finding = PromotionDetector.Find(shard, health.Get, health.LastPrimaryTimeline(shard.Id), _options.PrimaryFailuresBeforeFollowing);
            if (finding is null)
            {
                NoteAwaited(shard, health);
                continue;
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                timeout.CancelAfter(_options.RecordTimeoutMs);
                if (await _recorder.RecordAsync(current, finding, timeout.Token).ConfigureAwait(false))
                {
                    _metrics.FailoversFollowed.WithLabels(shard.Id).Inc();
                    Log.Followed(_logger, shard.Id, finding.Promoted.Endpoint, finding.Timeline, finding.Replaced.Endpoint, finding.Reason, finding.ReplacedTimeline, _topology.Current.Version);
                }
                else
                {
                    Log.AlreadyFollowed(_logger, shard.Id, current.Version, _topology.Current.Version);
                }

                _awaiting.Remove(shard.Id);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is NpgsqlException or TimeoutException or OperationCanceledException or InvalidDataException or System.Text.Json.JsonException)
            {
                // The catalog is out of reach: routing stays as it is, and the next round tries again.
                Log.FollowFailed(_logger, shard.Id, ex.GetType().Name, ex.Message);
            }

            // The snapshot changed (or may have): the next round evaluates the other shards under the new one.
            return;
        }
    }

    // Once per outage: says that the shard waits for a promotion, which DataTier does not make.
    private void NoteAwaited(ShardDefinition shard, NodeHealthMonitor health)
    {
        var primary = health.Get(shard.Primary);
        if (primary.Reachable && !primary.InRecovery)
        {
            _awaiting.Remove(shard.Id);
        }
        else if (_awaiting.Add(shard.Id) && primary.CheckedAt != default)
        {
            Log.PromotionAwaited(_logger, shard.Id, primary.Reachable ? "in recovery" : "unreachable", shard.Replicas.Length);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.FailoverFollowed, EventName = "FailoverFollowed", Level = LogLevel.Warning,
            Message = "Shard {ShardId} follows a failover: {Promoted}, promoted to timeline {Timeline}, is its primary now; {Replaced} ({Reason}, last on timeline {ReplacedTimeline}) gets no more writes. Topology version {Version}")]
        public static partial void Followed(ILogger logger, string shardId, string promoted, int timeline, string replaced, string reason, int replacedTimeline, long version);

        [LoggerMessage(EventId = LogEventIds.FailoverAlreadyFollowed, EventName = "FailoverAlreadyFollowed", Level = LogLevel.Information,
            Message = "Shard {ShardId}: the promotion found under topology version {Seen} was not written here, since another change came first (another instance followed it); version {Version} in force")]
        public static partial void AlreadyFollowed(ILogger logger, string shardId, long seen, long version);

        [LoggerMessage(EventId = LogEventIds.FailoverFollowFailed, EventName = "FailoverFollowFailed", Level = LogLevel.Error,
            Message = "Shard {ShardId}: recording its promoted replica as the primary failed ({ExceptionType}: {Reason}); retrying after the next probe round")]
        public static partial void FollowFailed(ILogger logger, string shardId, string exceptionType, string reason);

        [LoggerMessage(EventId = LogEventIds.PromotionAwaited, EventName = "PromotionAwaited", Level = LogLevel.Warning,
            Message = "Shard {ShardId}'s primary is {State} and none of its {Replicas} replica(s) is promoted: writes to the shard answer 503 shard-unavailable until the primary is back or a replica is promoted (by an HA manager or pg_ctl promote; DataTier follows promotions and never makes one)")]
        public static partial void PromotionAwaited(ILogger logger, string shardId, string state, int replicas);
    }
}
