using System.Collections.Immutable;
using DataTier.Core.Ring;

namespace DataTier.Core.Topology;

/// <summary>
/// The topology as the catalog stores it (one JSON document per version in <c>datatier.topology_versions</c>).
/// Each shard has the weight it has on the routing ring now and the weight it should have: the two rings differ
/// while a change waits for its rows to move, and a rebalancing plan is the difference between them.
/// </summary>
public sealed record TopologyDocument(int VirtualNodesPerWeight, IReadOnlyList<TopologyShardEntry> Shards)
{
    /// <summary>The document that configuration seeds: every configured shard routed at its configured weight.</summary>
    public static TopologyDocument FromOptions(TopologyOptions options) =>
        new(options.VirtualNodesPerWeight, options.Shards.Select(s => new TopologyShardEntry(s.Id, s.Weight, s.Weight, s.Primary!, s.Replicas.ToList())).ToList());

    /// <summary>The routing snapshot of this document at <paramref name="version"/>.</summary>
    public TopologySnapshot ToSnapshot(long version)
    {
        string ring = HashRing.FingerprintOf(Shards.Where(s => s.Weight > 0).Select(s => new RingMember(s.Id, s.Weight)), VirtualNodesPerWeight);
        ShardDefinition Define(TopologyShardEntry s, double weight) => new(
            s.Id,
            weight,
            new NodeDefinition(NodeDefinition.PrimaryId(s.Id), s.Id, NodeRole.Primary, s.Primary),
            s.Replicas.Select((r, i) => new NodeDefinition(NodeDefinition.ReplicaId(s.Id, i), s.Id, NodeRole.Replica, r)).ToImmutableArray())
        {
            ReadFloorLsn = s.ReadFloorLsn,
            VisibilityRing = s.ScatterFilter ? ring : null,
            PrimaryTimeline = s.PrimaryTimeline,
            // A former primary put back into the shard (rewound and re-added as a replica) is routed as what it is now.
            Replaced = (s.ReplacedPrimaries ?? [])
                .Where(r => r.ConnectionString != s.Primary && !s.Replicas.Contains(r.ConnectionString))
                .Select((r, i) => new NodeDefinition(NodeDefinition.ReplacedId(s.Id, i), s.Id, NodeRole.Replaced, r.ConnectionString))
                .ToImmutableArray(),
        };

        var routed = Shards.Where(s => s.Weight > 0).Select(s => Define(s, s.Weight)).ToImmutableArray();
        var pending = Shards.Where(s => s.Weight <= 0).Select(s => Define(s, 0)).ToImmutableArray();
        var desired = Shards.Where(s => s.DesiredWeight > 0).Select(s => new RingMember(s.Id, s.DesiredWeight)).ToList();
        var snapshot = TopologySnapshot.Create(version, routed, VirtualNodesPerWeight);
        return snapshot with
        {
            PendingShards = pending,
            DesiredRing = desired.Count == 0 ? null : HashRing.Create(desired, VirtualNodesPerWeight),
        };
    }
}
