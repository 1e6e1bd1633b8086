using System.Collections.Immutable;

namespace DataTier.Core.Topology;

/// <summary>A shard: its id, weight, primary and replicas.</summary>
public sealed record ShardDefinition(string Id, double Weight, NodeDefinition Primary, ImmutableArray<NodeDefinition> Replicas)
{
    /// <summary>The LSN a node must have replayed to serve any read of this shard (0: none); see <see cref="TopologyShardEntry.ReadFloorLsn"/>.</summary>
    public ulong ReadFloorLsn { get; init; }

    /// <summary>
    /// When fan-out reads on this shard must see only the rows it owns: the fingerprint of the routing ring they route
    /// by (null: the shard holds only rows it owns).
    /// </summary>
    public string? VisibilityRing { get; init; }

    /// <summary>The WAL timeline the primary was last recorded on (0: not recorded); a promoted replica is on a newer one.</summary>
    public int PrimaryTimeline { get; init; }

    /// <summary>Former primaries replaced by a followed failover: probed and flagged, never routed to.</summary>
    public ImmutableArray<NodeDefinition> Replaced { get; init; } = [];

    /// <summary>The primary then the replicas.</summary>
    public IEnumerable<NodeDefinition> Nodes => Replicas.Prepend(Primary);
}
