using DataTier.Core.Health;
using DataTier.Core.Topology;

namespace DataTier.Core.Failover;

/// <summary>
/// Decides from probe findings alone whether a shard's primary was replaced by a promoted replica. A replica counts as
/// promoted only when it answers out of recovery on a timeline newer than any its primary was seen on: a replica
/// still in recovery is never chosen, however long the primary is unreachable (DataTier follows, it never promotes).
/// </summary>
public static class PromotionDetector
{
    /// <summary>The promotion to follow on <paramref name="shard"/>, or null when its primary still stands.</summary>
    /// <param name="shard">The shard as routed now.</param>
    /// <param name="health">The latest finding per node.</param>
    /// <param name="lastPrimaryTimeline">The newest timeline this instance saw the shard's primary on (0: none).</param>
    /// <param name="primaryFailuresBeforeFollowing">Consecutive failures an unreachable primary must have.</param>
    public static PromotionFinding? Find(ShardDefinition shard, Func<NodeDefinition, NodeHealth> health, int lastPrimaryTimeline, int primaryFailuresBeforeFollowing)
    {
        var primary = health(shard.Primary);
        int known = Math.Max(shard.PrimaryTimeline, lastPrimaryTimeline);
        string reason;
        if (!primary.Reachable)
        {
            if (primary.ConsecutiveFailures < primaryFailuresBeforeFollowing)
            {
                return null;
            }

            reason = "unreachable";
        }
        else if (primary.InRecovery)
        {
            reason = "in recovery";
        }
        else if (known > 0)
        {
            // Two primaries: the one on the newer timeline was promoted from the other's history, so the configured
            // one is the stale side (an instance started from configuration after a failover).
            known = Math.Max(known, primary.Timeline);
            reason = "on an older timeline";
        }
        else
        {
            // Two primaries and no timeline to tell them apart: nothing is safe to follow.
            return null;
        }

        NodeDefinition? promoted = null;
        NodeHealth? promotedHealth = null;
        foreach (var replica in shard.Replicas)
        {
            var h = health(replica);
            if (!h.Reachable || h.InRecovery || h.Timeline <= 0 || h.Timeline <= known)
            {
                continue;
            }

            if (promotedHealth is null || h.Timeline > promotedHealth.Timeline || (h.Timeline == promotedHealth.Timeline && h.Lsn > promotedHealth.Lsn))
            {
                promoted = replica;
                promotedHealth = h;
            }
        }

        return promoted is null ? null : new PromotionFinding(shard.Id, shard.Primary, promoted, promotedHealth!.Timeline, known, reason);
    }
}
