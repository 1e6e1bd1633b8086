namespace DataTier.Core.Topology;

/// <summary>Where the topology lives.</summary>
public enum TopologyStore
{
    /// <summary>In configuration, fixed for the life of the process.</summary>
    Configuration,

    /// <summary>In the catalog, versioned; configuration seeds the first version.</summary>
    Catalog,
}
