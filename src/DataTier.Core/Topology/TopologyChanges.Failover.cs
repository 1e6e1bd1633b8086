namespace DataTier.Core.Topology;

public static partial class TopologyChanges
{
    /// <summary>
    /// A followed failover: the replica <paramref name="promoted"/> becomes the shard's primary on
    /// <paramref name="timeline"/>, and the primary it replaces, which must still be <paramref name="expectedPrimary"/>
    /// (else another change got there first), is kept as a replaced primary: probed and flagged, never routed to.
    /// </summary>
    public static TopologyDocument FollowPromotion(TopologyDocument document, string shardId, string expectedPrimary, string promoted, int timeline, int replacedTimeline, DateTimeOffset at)
    {
        var shard = Find(document, shardId);
        if (!string.Equals(shard.Primary, expectedPrimary, StringComparison.Ordinal))
        {
            throw new TopologyChangeException("primary-changed", $"Shard '{shardId}' has another primary than the one seen failing; the promotion was already followed or the shard changed.", conflict: true);
        }

        if (!shard.Replicas.Contains(promoted, StringComparer.Ordinal))
        {
            throw new TopologyChangeException("not-a-replica", $"The promoted node is not a replica of shard '{shardId}' any more.", conflict: true);
        }

        return Replace(document, shardId, s => s with
        {
            Primary = promoted,
            Replicas = s.Replicas.Where(r => !string.Equals(r, promoted, StringComparison.Ordinal)).ToList(),
            PrimaryTimeline = timeline,
            ReplacedPrimaries = [.. (s.ReplacedPrimaries ?? []).Where(r => r.ConnectionString != promoted), new ReplacedPrimaryEntry(expectedPrimary, replacedTimeline, at)],
        });
    }
}
