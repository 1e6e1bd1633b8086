using DataTier.Core.Health;
using DataTier.Core.Topology;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataTier.Server.Health;

/// <summary>
/// Whether this instance can route: a topology with shards is loaded (from the catalog when it is the store: loaded
/// before the server takes requests) and every node has been probed once, so reads know which replicas answer. It
/// says nothing about whether the nodes answer: that is <see cref="NodesHealthCheck"/>, degraded at worst.
/// </summary>
public sealed class ReadinessHealthCheck(ITopologyProvider topology, NodeHealthMonitor monitor) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = topology.Current;
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { ["topologyVersion"] = snapshot.Version, ["shards"] = snapshot.Shards.Length };
        if (snapshot.Shards.IsEmpty)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("No topology with shards is loaded.", data: data));
        }

        return Task.FromResult(monitor.FirstRound.IsCompleted
            ? HealthCheckResult.Healthy($"Topology version {snapshot.Version} loaded; nodes probed.", data)
            : HealthCheckResult.Unhealthy("The nodes have not been probed once yet.", data: data));
    }
}
