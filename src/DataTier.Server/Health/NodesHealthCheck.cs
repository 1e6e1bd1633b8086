using DataTier.Core.Health;
using DataTier.Core.Topology;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataTier.Server.Health;

/// <summary>Every shard node as the background prober last saw it (no extra connection per check).</summary>
public sealed class NodesHealthCheck(ITopologyProvider topology, NodeHealthMonitor monitor) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var down = new List<string>();
        foreach (var node in topology.Current.Shards.SelectMany(s => s.Nodes))
        {
            var h = monitor.Get(node);
            data[node.Id] = new Dictionary<string, object?>
            {
                ["status"] = h.Reachable ? "up" : "down",
                ["role"] = node.Role == NodeRole.Primary ? "primary" : "replica",
                ["endpoint"] = node.Endpoint,
                ["latencyMs"] = Math.Round(h.LatencyMs, 3),
                ["lagSeconds"] = node.Role == NodeRole.Replica && h.Reachable ? h.LagSeconds : null,
                ["lagBytes"] = node.Role == NodeRole.Replica && h.Reachable ? h.LagBytes : null,
                ["checkedAt"] = h.CheckedAt == default ? null : h.CheckedAt,
                ["lastError"] = h.Reachable ? null : h.LastError,
            };
            if (!h.Reachable)
            {
                down.Add(node.Id);
            }
        }

        return Task.FromResult(down.Count == 0
            ? HealthCheckResult.Healthy("Every node answers.", data)
            : HealthCheckResult.Unhealthy($"Not answering: {string.Join(", ", down)}.", data: data));
    }
}
