using DataTier.Core.Ring;

namespace DataTier.Core.Topology;

/// <summary>The configured topology (<c>DataTier:Topology</c>).</summary>
public sealed class TopologyOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Topology";

    /// <summary>Virtual nodes per unit of weight.</summary>
    public int VirtualNodesPerWeight { get; set; } = HashRing.DefaultVirtualNodesPerWeight;

    /// <summary>The shards.</summary>
    public List<ShardOptions> Shards { get; set; } = [];
}
