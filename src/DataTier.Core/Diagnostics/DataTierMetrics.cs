using Prometheus;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// DataTier's Prometheus metrics. Labels are bounded: shard and node ids, roles, SQLSTATE classes; never SQL text,
/// keys or parameter values.
/// </summary>
public sealed class DataTierMetrics
{
    /// <summary>Creates the metrics, every final state of a move exported from the start.</summary>
    public DataTierMetrics()
    {
        // At 0 from the start: increase() cannot see the first failed move in a series that is born at 1.
        foreach (string state in (string[])[Rebalancing.Moves.MoveStates.Done, Rebalancing.Moves.MoveStates.Failed, Rebalancing.Moves.MoveStates.Cancelled])
        {
            RebalanceMovesFinished.WithLabels(state);
        }
    }

    /// <summary>Statement duration per shard, role and kind.</summary>
    public Histogram QueryDuration { get; } = Metrics.CreateHistogram("datatier_query_duration_seconds", "Statement execution time on a node, including the round trip.",
        new HistogramConfiguration { LabelNames = ["shard", "role", "kind"], Buckets = Histogram.ExponentialBuckets(0.0002, 2, 16) });

    /// <summary>Failed statements per shard and SQLSTATE class (or conn/timeout).</summary>
    public Counter QueryErrors { get; } = Metrics.CreateCounter("datatier_query_errors_total", "Failed statements by shard and SQLSTATE class.", "shard", "sqlstate_class");

    /// <summary>Connections in use per node.</summary>
    public Gauge PoolInUse { get; } = Metrics.CreateGauge("datatier_pool_connections_in_use", "Pooled connections in use per node.", "node");

    /// <summary>Pool size per node.</summary>
    public Gauge PoolMax { get; } = Metrics.CreateGauge("datatier_pool_connections_max", "Maximum pooled connections per node.", "node");

    /// <summary>Replica lag in seconds.</summary>
    public Gauge ReplicaLagSeconds { get; } = Metrics.CreateGauge("datatier_replica_lag_seconds", "Replication lag of a replica in seconds.", "node");

    /// <summary>Replica lag in bytes.</summary>
    public Gauge ReplicaLagBytes { get; } = Metrics.CreateGauge("datatier_replica_lag_bytes", "Replication lag of a replica in bytes of WAL.", "node");

    /// <summary>Node reachability.</summary>
    public Gauge NodeUp { get; } = Metrics.CreateGauge("datatier_node_up", "1 when the node answered its last probe.", "node", "shard", "role");

    /// <summary>Shards with a node down: degraded, still served by what answers.</summary>
    public Gauge ShardDegraded { get; } = Metrics.CreateGauge("datatier_shard_degraded", "1 when a node of the shard (its primary or a replica) did not answer its last probe; the instance stays ready.", "shard");

    /// <summary>Whether a shard's primary answers as a primary.</summary>
    public Gauge ShardPrimaryUp { get; } = Metrics.CreateGauge("datatier_shard_primary_up", "1 when the shard's primary answered its last probe and is not in recovery: writes to the shard can succeed.", "shard");

    /// <summary>A former primary that a followed failover replaced answers as a primary (split brain guarded: it gets nothing).</summary>
    public Gauge ReplacedPrimaryWritable { get; } = Metrics.CreateGauge("datatier_replaced_primary_writable", "1 when a former primary that DataTier replaced after a failover answers as a primary (not in recovery) on its old timeline: DataTier routes nothing to it, but other clients could write to it.", "shard", "node", "endpoint");

    /// <summary>Failovers followed (topology changes this instance wrote or published).</summary>
    public Counter FailoversFollowed { get; } = Metrics.CreateCounter("datatier_failovers_followed_total", "Promotions of a replica that this instance recorded as its shard's new primary.", "shard");

    /// <summary>Fingerprints held by the digest.</summary>
    public Gauge DigestFingerprints { get; } = Metrics.CreateGauge("datatier_digest_fingerprints", "Statement fingerprints held by the query digest.");

    /// <summary>Fingerprints dropped by the digest for capacity.</summary>
    public Counter DigestEvictions { get; } = Metrics.CreateCounter("datatier_digest_evictions_total", "Fingerprints dropped from the query digest (least recently used).");

    /// <summary>Writes refused by a move's fence and sent again.</summary>
    public Counter FencedWriteRetries { get; } = Metrics.CreateCounter("datatier_fenced_write_retries_total", "Writes refused by a rebalancing move's write fence and retried on the range's owner.");

    /// <summary>Writes a shard refused because the ring places a row they make on another shard (DTW01), by the refusing shard.</summary>
    public Counter WrongShardRefusals { get; } = Metrics.CreateCounter("datatier_wrong_shard_refusals_total", "Writes refused by a shard's ownership guard: a row they make belongs to another shard on the ring (nothing was written).", "shard");

    /// <summary>The topology version each shard's ownership guard was last brought to by this instance.</summary>
    public Gauge OwnershipGuardVersion { get; } = Metrics.CreateGauge("datatier_ownership_guard_version", "Topology version whose ring a shard's ownership guard follows, as this instance last set or found it.", "shard");

    /// <summary>How long writes held by a move's fence waited in all.</summary>
    public Histogram FencedWriteWait { get; } = Metrics.CreateHistogram("datatier_fenced_write_wait_seconds", "Time writes spent held by a rebalancing move's write fence before they committed or gave up.",
        new HistogramConfiguration { Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    /// <summary>Rows copied by rebalancing moves.</summary>
    public Counter RebalanceRowsCopied { get; } = Metrics.CreateCounter("datatier_rebalance_rows_copied_total", "Rows copied from source to target shards by rebalancing moves.");

    /// <summary>Captured changes applied by rebalancing moves' catch-up.</summary>
    public Counter RebalanceChangesApplied { get; } = Metrics.CreateCounter("datatier_rebalance_changes_applied_total", "Captured writes re-applied to target shards by rebalancing moves.");

    /// <summary>How long each write fence held writes, by outcome (switched, lifted).</summary>
    public Histogram RebalanceWritePause { get; } = Metrics.CreateHistogram("datatier_rebalance_write_pause_seconds", "How long rebalancing write fences held writes to their ranges, by outcome (switched: the routing moved; lifted: catch-up did not finish in time).",
        new HistogramConfiguration { LabelNames = ["outcome"], Buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    /// <summary>Moves this instance brought to an end, by final state (done, failed, cancelled).</summary>
    public Counter RebalanceMovesFinished { get; } = Metrics.CreateCounter("datatier_rebalance_moves_finished_total", "Rebalancing moves this instance brought to an end, by final state (done, failed: rolled back or stopped after the switch, cancelled).", "state");

    /// <summary>1 while this instance drives a move.</summary>
    public Gauge RebalanceMoveDriving { get; } = Metrics.CreateGauge("datatier_rebalance_move_driving", "1 while this instance drives a rebalancing move (holds its lease), else 0.");

    /// <summary>When the move this instance drives last made progress (unix seconds).</summary>
    public Gauge RebalanceMoveProgressTime { get; } = Metrics.CreateGauge("datatier_rebalance_move_last_progress_timestamp_seconds", "Unix time at which the move this instance drives last made progress: it was taken up, changed phase, copied rows or applied captured changes.");

    /// <summary>The SQLSTATE class label of a failure.</summary>
    public static string ErrorClass(Errors.DataTierException error) => error switch
    {
        { SqlState: { Length: >= 2 } state } => state[..2],
        { Kind: Errors.DataTierErrorKind.Timeout } => "timeout",
        { Kind: Errors.DataTierErrorKind.PoolExhausted } => "pool",
        _ => "conn",
    };
}
