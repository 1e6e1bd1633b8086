using DataTier.Core.Topology;

namespace DataTier.Core.Health;

/// <summary>
/// Acts on the findings of each probe round before the round counts as done (failover following). The first round
/// completes, and the instance becomes ready, only after every observer has seen it: an instance started from a
/// configuration whose primary was replaced routes by the promoted node before it takes traffic.
/// </summary>
public interface IProbeRoundObserver
{
    /// <summary>Called after every probe round with the snapshot the round probed; <paramref name="health"/> holds its findings.</summary>
    Task OnRoundCompletedAsync(TopologySnapshot snapshot, NodeHealthMonitor health, CancellationToken cancellationToken);
}
