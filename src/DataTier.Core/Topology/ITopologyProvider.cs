namespace DataTier.Core.Topology;

/// <summary>Publishes the current topology snapshot. Readers take one snapshot per request.</summary>
public interface ITopologyProvider
{
    /// <summary>The snapshot in force.</summary>
    TopologySnapshot Current { get; }
}
