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
