using Microsoft.Extensions.Options;

namespace DataTier.Core.Topology;

/// <summary>
/// The topology as configured (<c>DataTier:Topology</c>). It changes only in memory, when this instance follows a
/// failover (a promoted replica becomes its shard's primary); a restart starts from configuration again.
/// </summary>
public sealed class ConfiguredTopologyProvider : ITopologyProvider
{
    private TopologySnapshot _current;

    /// <summary>Builds the snapshot from validated options.</summary>
    public ConfiguredTopologyProvider(IOptions<TopologyOptions> options) => _current = TopologySnapshot.FromOptions(options.Value);

    /// <inheritdoc />
    public TopologySnapshot Current => Volatile.Read(ref _current);

    /// <inheritdoc />
    public Task RefreshAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Publishes <paramref name="next"/> if <paramref name="expected"/> is still in force (compare-and-set: two rounds
    /// that propose a change from the same snapshot apply it once). Returns whether it was published.
    /// </summary>
    public bool TryReplace(TopologySnapshot expected, TopologySnapshot next) =>
        ReferenceEquals(Interlocked.CompareExchange(ref _current, next, expected), expected);
}
