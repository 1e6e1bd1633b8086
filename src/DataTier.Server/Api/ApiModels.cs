namespace DataTier.Server.Api;

/// <summary>Health answer.</summary>
public sealed record HealthStatus(string Status, IReadOnlyList<NodeStatus>? Nodes);

/// <summary>One node as shown to operators (no credentials).</summary>
public sealed record NodeStatus(string Id, string Shard, string Role, string Endpoint, bool Reachable, double? LagSeconds, long? LagBytes, double LatencyMs, DateTimeOffset? CheckedAt, string? LastError);

/// <summary>One shard in the topology view.</summary>
public sealed record ShardStatus(string Id, double Weight, NodeStatus Primary, IReadOnlyList<NodeStatus> Replicas);

/// <summary>The topology view.</summary>
public sealed record TopologyView(long Version, int VirtualNodes, int VirtualNodesPerWeight, IReadOnlyList<ShardStatus> Shards);

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

/// <summary>What one warmed read cached.</summary>
public sealed record CacheWarmupResult(string Shard, string Fingerprint, int RowCount);

/// <summary>The warmup's outcome.</summary>
public sealed record CacheWarmupResponse(int Warmed, IReadOnlyList<CacheWarmupResult> Statements);
