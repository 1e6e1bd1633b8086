using DataTier.Core.Topology;

namespace DataTier.Core.Failover;

/// <summary>Makes a promoted replica its shard's primary in the topology in force, once however many instances try.</summary>
public interface IPromotionRecorder
{
    /// <summary>
    /// Records <paramref name="finding"/> as a change of <paramref name="seen"/> (compare-and-set on its version) and
    /// publishes the result. Returns false when another change came first (another instance recorded it, say).
    /// </summary>
    Task<bool> RecordAsync(TopologySnapshot seen, PromotionFinding finding, CancellationToken cancellationToken);
}
