using DataTier.Core.Ring;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// What a move does, fixed when it starts: the routing ring it leaves (<see cref="RoutingWeights"/> of topology
/// <see cref="FromVersion"/>), the ring it reaches (<see cref="TargetWeights"/>, the desired weights then) and the
/// sharded tables it moves. Both rings are rebuilt from the weights (a ring depends only on shard ids and weights),
/// so every instance that resumes a move computes the same segments.
/// </summary>
public sealed record MoveSpec(
    long FromVersion,
    int VirtualNodesPerWeight,
    IReadOnlyDictionary<string, double> RoutingWeights,
    IReadOnlyDictionary<string, double> TargetWeights,
    IReadOnlyList<ShardedTable> Tables,
    int MaxWritePauseMs)
{
    /// <summary>The moving ranges as the plan counted them when the move started (for the per-range view).</summary>
    public IReadOnlyList<PlannedMove>? PlannedRanges { get; init; }

    /// <summary>The ring routing now.</summary>
    public HashRing RoutingRing() => Ring(RoutingWeights);

    /// <summary>The ring after the move.</summary>
    public HashRing TargetRing() => Ring(TargetWeights);

    /// <summary>The segments of the ring space with their owners before and after.</summary>
    public MoveRanges Ranges() => new(RingSegments.Between(RoutingRing(), TargetRing()));

    private HashRing Ring(IReadOnlyDictionary<string, double> weights) =>
        HashRing.Create(weights.Where(w => w.Value > 0).OrderBy(w => w.Key, StringComparer.Ordinal).Select(w => new RingMember(w.Key, w.Value)), VirtualNodesPerWeight);
}
