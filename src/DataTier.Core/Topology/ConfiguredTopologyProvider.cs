using Microsoft.Extensions.Options;

namespace DataTier.Core.Topology;

/// <summary>The topology as configured (<c>DataTier:Topology</c>), fixed for the life of the process.</summary>
public sealed class ConfiguredTopologyProvider : ITopologyProvider
{
    /// <summary>Builds the snapshot from validated options.</summary>
    public ConfiguredTopologyProvider(IOptions<TopologyOptions> options) => Current = TopologySnapshot.FromOptions(options.Value);

    /// <inheritdoc />
    public TopologySnapshot Current { get; }

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
