using DataTier.Core.Topology;

namespace DataTier.Core.Failover;

/// <summary>A replica found promoted while its shard's primary no longer serves as one: the change to follow.</summary>
/// <param name="ShardId">The shard.</param>
/// <param name="Replaced">The primary in the topology, to be replaced.</param>
/// <param name="Promoted">The replica that is now a primary.</param>
/// <param name="Timeline">The promoted node's timeline.</param>
/// <param name="ReplacedTimeline">The newest timeline the replaced primary was known on (0: not known).</param>
/// <param name="Reason">Why the primary no longer counts: unreachable, in recovery, or on an older timeline.</param>
public sealed record PromotionFinding(string ShardId, NodeDefinition Replaced, NodeDefinition Promoted, int Timeline, int ReplacedTimeline, string Reason);
