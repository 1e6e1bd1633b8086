namespace DataTier.Core.Topology;

/// <summary>Publishes the current topology snapshot. Readers take one snapshot per request.</summary>
public interface ITopologyProvider
{
    /// <summary>The snapshot in force.</summary>
    TopologySnapshot Current { get; }

    /// <summary>
    /// Loads a newer version now if the store has one (a write was refused because its range moved); callers that
    /// arrive while a load runs share it.
    /// </summary>
    Task RefreshAsync(CancellationToken cancellationToken);
}
