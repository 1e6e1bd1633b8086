using System.Collections.Immutable;
using DataTier.Core.Topology;

namespace DataTier.Core.Failover;

/// <summary>
/// Follows a promotion in memory when the topology comes from configuration: each instance follows on its own
/// findings (there is nothing shared to write), and one started later finds the same promotion in its first rounds.
/// </summary>
internal sealed class ConfiguredPromotionRecorder(ITopologyProvider topology) : IPromotionRecorder
{
    /// <inheritdoc />
    public Task<bool> RecordAsync(TopologySnapshot seen, PromotionFinding finding, CancellationToken cancellationToken)
    {
        if (topology is not ConfiguredTopologyProvider configured || !seen.ShardsById.TryGetValue(finding.ShardId, out var shard))
        {
            return Task.FromResult(false);
        }

        return Task.FromResult(configured.TryReplace(seen, seen.WithShard(Promote(shard, finding))));
    }

    // The same change TopologyChanges.FollowPromotion makes to a stored document, on a routed shard.
    private static ShardDefinition Promote(ShardDefinition shard, PromotionFinding finding)
    {
        string promoted = finding.Promoted.ConnectionString;
        var replicas = shard.Replicas.Where(r => r.ConnectionString != promoted)
            .Select((r, i) => new NodeDefinition(NodeDefinition.ReplicaId(shard.Id, i), shard.Id, NodeRole.Replica, r.ConnectionString))
            .ToImmutableArray();
        var replaced = shard.Replaced.Select(r => r.ConnectionString).Where(c => c != promoted).Append(shard.Primary.ConnectionString)
            .Select((c, i) => new NodeDefinition(NodeDefinition.ReplacedId(shard.Id, i), shard.Id, NodeRole.Replaced, c))
            .ToImmutableArray();
        return shard with
        {
            Primary = new NodeDefinition(NodeDefinition.PrimaryId(shard.Id), shard.Id, NodeRole.Primary, promoted),
            Replicas = replicas,
            Replaced = replaced,
            PrimaryTimeline = finding.Timeline,
        };
    }
}
