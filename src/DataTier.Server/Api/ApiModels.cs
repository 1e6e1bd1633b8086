namespace DataTier.Server.Api;

/// <summary>Health answer: readiness and what it was decided on (<c>checks</c>), with every node for information.</summary>
public sealed record HealthStatus(string Status, IReadOnlyList<NodeStatus>? Nodes, IReadOnlyDictionary<string, string>? Checks = null);

/// <summary>One node as shown to operators (no credentials).</summary>
public sealed record NodeStatus(string Id, string Shard, string Role, string Endpoint, bool Reachable, double? LagSeconds, long? LagBytes, double LatencyMs, DateTimeOffset? CheckedAt, string? LastError, bool? InRecovery = null, int? Timeline = null);

/// <summary>
/// One shard in the topology view; <c>replaced</c> lists former primaries a followed failover replaced (never routed
/// to; one that answers out of recovery is a split brain to resolve).
/// </summary>
public sealed record ShardStatus(string Id, double Weight, NodeStatus Primary, IReadOnlyList<NodeStatus> Replicas, IReadOnlyList<NodeStatus>? Replaced = null, int PrimaryTimeline = 0);

/// <summary>The topology view.</summary>
public sealed record TopologyView(long Version, int VirtualNodes, int VirtualNodesPerWeight, IReadOnlyList<ShardStatus> Shards, IReadOnlyList<PendingShardView> Pending, IReadOnlyDictionary<string, double> DesiredWeights);

/// <summary>A shard in the topology that routes nothing yet (or any more).</summary>
public sealed record PendingShardView(string Id, string Endpoint);

/// <summary>Where a key lives.</summary>
public sealed record RouteView(string Key, string Shard, long Position, long Version);

/// <summary>POST /admin/cache/invalidate.</summary>
public sealed class CacheInvalidateRequest
{
    /// <summary>Shard of the table (all shards when omitted).</summary>
    public string? Shard { get; set; }

    /// <summary>Table whose cached reads are dropped.</summary>
    public string? Table { get; set; }

    /// <summary>One cache key.</summary>
    public string? Key { get; set; }

    /// <summary>Everything.</summary>
    public bool? All { get; set; }
}

/// <summary>What was invalidated.</summary>
public sealed record CacheInvalidateResult(string Scope, string? Target);

/// <summary>POST /admin/cache/warmup.</summary>
public sealed class CacheWarmupRequest
{
    /// <summary>Reads to run and cache.</summary>
    public List<StatementToWarm>? Statements { get; set; }

    /// <summary>Instead of a list: run again the N cacheable statement shapes the query digest has seen most often.</summary>
    public int? Top { get; set; }
}

/// <summary>One read to warm.</summary>
public sealed class StatementToWarm
{
    /// <summary>The shard key.</summary>
    public string? ShardKey { get; set; }

    /// <summary>One SELECT.</summary>
    public string? Sql { get; set; }

    /// <summary>Parameter values by name.</summary>
    public System.Text.Json.JsonElement Params { get; set; }
}

/// <summary>What one warmed read cached ("*" for a scatter read); Calls is the digest's count when warmed by "top".</summary>
public sealed record CacheWarmupResult(string Shard, string Fingerprint, int RowCount, long? Calls = null, string? Error = null);

/// <summary>The warmup's outcome: how many reads were cached and how many failed (each with its error).</summary>
public sealed record CacheWarmupResponse(int Warmed, int Failed, IReadOnlyList<CacheWarmupResult> Statements);

/// <summary>GET /admin/db/slow-queries.</summary>
public sealed record SlowQueriesView(string Sort, double SlowThresholdMs, int DigestFingerprints, long DigestEvicted, IReadOnlyList<Core.Diagnostics.SlowQueryEntry> Statements);

/// <summary>GET /admin/db/performance.</summary>
public sealed record PerformanceView(DateTimeOffset At, IReadOnlyList<ShardPerformance> Shards, DataTierPerformance DataTier);

/// <summary>One shard's nodes.</summary>
public sealed record ShardPerformance(string Id, IReadOnlyList<NodePerformance> Nodes);

/// <summary>One node: rates from the sampler, replication lag, pool usage and findings.</summary>
public sealed record NodePerformance(
    string Id,
    string Role,
    bool Reachable,
    string? Error,
    Core.Diagnostics.NodeRates? Rates,
    IReadOnlyList<Core.Diagnostics.NodeRates>? History,
    double? LagSeconds,
    long? LagBytes,
    int PoolInUse,
    int PoolMax,
    Core.Diagnostics.NodeFindings? Findings);

/// <summary>DataTier's own figures.</summary>
public sealed record DataTierPerformance(long Statements, double CacheHitRate, double L1HitRate, double L2HitRate, int DigestFingerprints);

/// <summary>POST /admin/shards.</summary>
public sealed class ShardAddRequest
{
    /// <summary>Stable shard id.</summary>
    public string? Id { get; set; }

    /// <summary>The share of the ring it should have (default 1).</summary>
    public double? Weight { get; set; }

    /// <summary>Connection string of its primary.</summary>
    public string? Primary { get; set; }

    /// <summary>Connection strings of its streaming replicas.</summary>
    public List<string>? Replicas { get; set; }
}

/// <summary>PUT /admin/shards/{id}/weight.</summary>
public sealed class ShardWeightRequest
{
    /// <summary>The share of the ring the shard should have.</summary>
    public double? Weight { get; set; }
}

/// <summary>Body of <c>POST /admin/shards/{id}/switchover</c> (optional).</summary>
public sealed class SwitchoverRequest
{
    /// <summary>The replica to promote (node id such as <c>s1-replica1</c>, or host:port/database); default: the healthy one least behind.</summary>
    public string? To { get; set; }
}

/// <summary>One shard after a topology change: routing weight now and desired weight.</summary>
public sealed record ShardEntryView(string Id, string State, double Weight, double DesiredWeight);

/// <summary>The topology version a change made.</summary>
public sealed record TopologyChangeResult(long Version, IReadOnlyList<ShardEntryView> Shards);

/// <summary>Body of <c>POST /admin/rebalance</c> (optional).</summary>
public sealed class RebalanceStartRequest
{
    /// <summary>The longest the move may hold writes to its ranges (ms); default DataTier:Rebalancing:MaxWritePauseMs.</summary>
    public int? MaxWritePauseMs { get; set; }
}

/// <summary>Body of <c>POST /admin/rebalance/plans/{id}/approve</c> (optional).</summary>
public sealed class ApproveRequest
{
    /// <summary>Also start the move that carries the approved weights out.</summary>
    public bool? Run { get; set; }
}
