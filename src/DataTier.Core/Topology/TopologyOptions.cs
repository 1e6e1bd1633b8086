using DataTier.Core.Ring;

namespace DataTier.Core.Topology;

/// <summary>The configured topology (<c>DataTier:Topology</c>).</summary>
public sealed class TopologyOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Topology";

    /// <summary>Virtual nodes per unit of weight.</summary>
    public int VirtualNodesPerWeight { get; set; } = HashRing.DefaultVirtualNodesPerWeight;

    /// <summary>The shards (with <see cref="TopologyStore.Catalog"/>: only the seed of the catalog's first version).</summary>
    public List<ShardOptions> Shards { get; set; } = [];

    /// <summary>
    /// Where the topology lives: <see cref="TopologyStore.Configuration"/> (fixed for the life of the process) or
    /// <see cref="TopologyStore.Catalog"/> (versioned in the catalog, changed online, followed by every instance).
    /// </summary>
    public TopologyStore Store { get; set; } = TopologyStore.Configuration;

    /// <summary>With the catalog store: how often each instance polls for a version it may not have heard of.</summary>
    public int PollIntervalMs { get; set; } = 500;
}
