using System.Collections.Frozen;
using System.Collections.Immutable;
using DataTier.Core.Ring;

namespace DataTier.Core.Topology;

/// <summary>
/// One immutable version of the topology: the shards, their nodes and the ring built from them.
/// A change builds a new snapshot and publishes it with one reference swap; readers never lock.
/// </summary>
public sealed record TopologySnapshot
{
    private TopologySnapshot(long version, ImmutableArray<ShardDefinition> shards, HashRing ring)
    {
        Version = version;
        Shards = shards;
        Ring = ring;
        ShardsById = shards.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        NodesById = shards.SelectMany(s => s.Nodes).ToFrozenDictionary(n => n.Id, StringComparer.Ordinal);
    }

    /// <summary>Monotonic version of this topology.</summary>
    public long Version { get; }

    /// <summary>The shards, in configured order.</summary>
    public ImmutableArray<ShardDefinition> Shards { get; }

    /// <summary>The ring over the shards.</summary>
    public HashRing Ring { get; }

    /// <summary>Shards by id.</summary>
    public FrozenDictionary<string, ShardDefinition> ShardsById { get; }

    /// <summary>Shards in the topology that route nothing yet (added, waiting for rows) or any more (emptied).</summary>
    public ImmutableArray<ShardDefinition> PendingShards { get; init; } = [];

    /// <summary>
    /// The ring the topology should have once rows have moved (weights as the operators set them); null when it is
    /// the routing ring. A rebalancing plan is the difference between the two.
    /// </summary>
    public HashRing? DesiredRing { get; init; }

    /// <summary>Every node of every shard, by node id.</summary>
    public FrozenDictionary<string, NodeDefinition> NodesById { get; }

    /// <summary>The shard that owns a text key.</summary>
    public ShardDefinition Route(ReadOnlySpan<char> key) => Shards[Ring.GetOwnerIndex(Hashing.PostgresHash.HashText(key))];

    /// <summary>
    /// The next version with one routed shard replaced by <paramref name="shard"/> (same id and weight, so the ring is
    /// kept): how a configured topology follows a failover in memory.
    /// </summary>
    public TopologySnapshot WithShard(ShardDefinition shard)
    {
        int index = Shards.IndexOf(ShardsById[shard.Id]);
        return new TopologySnapshot(Version + 1, Shards.SetItem(index, shard), Ring) { PendingShards = PendingShards, DesiredRing = DesiredRing };
    }

    /// <summary>Builds a snapshot from validated options.</summary>
    public static TopologySnapshot FromOptions(TopologyOptions options, long version = 1)
    {
        var shards = options.Shards.Select(s => new ShardDefinition(
            s.Id,
            s.Weight,
            new NodeDefinition(NodeDefinition.PrimaryId(s.Id), s.Id, NodeRole.Primary, s.Primary!),
            s.Replicas.Select((r, i) => new NodeDefinition(NodeDefinition.ReplicaId(s.Id, i), s.Id, NodeRole.Replica, r)).ToImmutableArray()))
            .ToImmutableArray();
        return Create(version, shards, options.VirtualNodesPerWeight);
    }

    /// <summary>Builds a snapshot; the ring's members are the shards in the given order.</summary>
    public static TopologySnapshot Create(long version, ImmutableArray<ShardDefinition> shards, int virtualNodesPerWeight)
    {
        var ring = HashRing.Create(shards.Select(s => new RingMember(s.Id, s.Weight)), virtualNodesPerWeight);
        return new TopologySnapshot(version, shards, ring);
    }
}
