namespace DataTier.Core.Topology;

/// <summary>A former primary of a shard, replaced when DataTier followed the promotion of one of its replicas.</summary>
/// <param name="ConnectionString">How the node was reached (it keeps being probed, never routed to).</param>
/// <param name="Timeline">The WAL timeline it was last seen on as the primary (0: not known).</param>
/// <param name="ReplacedAt">When the promotion was followed.</param>
public sealed record ReplacedPrimaryEntry(string ConnectionString, int Timeline, DateTimeOffset ReplacedAt);
