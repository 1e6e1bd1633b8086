using DataTier.Core.Health;
using DataTier.Core.Topology;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataTier.Server.Health;

/// <summary>
/// Every shard node as the background prober last saw it (no extra connection per check). A node down, even a
/// shard's primary, is degraded and never unhealthy: the instance still serves every shard that answers, so it stays
/// ready (readiness is decided by <see cref="ReadinessHealthCheck"/> and the catalog). A replaced former primary that
/// answers out of recovery (a split brain, guarded by routing nothing to it) is degraded too.
/// </summary>
public sealed class NodesHealthCheck(ITopologyProvider topology, NodeHealthMonitor monitor) : IHealthCheck
{
    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var down = new List<string>();
        var writableReplaced = new List<string>();
        var degradedShards = new List<string>();
        foreach (var shard in topology.Current.Shards)
        {
            bool degraded = false;
            foreach (var node in shard.Nodes.Concat(shard.Replaced))
            {
                var h = monitor.Get(node);
                bool replaced = node.Role == NodeRole.Replaced;
                string status = (h.Reachable, replaced, h.InRecovery) switch
                {
                    (false, _, _) => "down",
                    (true, true, false) => "split-brain",
                    _ => "up",
                };
                data[node.Id] = new Dictionary<string, object?>
                {
                    ["status"] = status,
                    ["role"] = NodeRoles.Name(node.Role),
                    ["shard"] = shard.Id,
                    ["endpoint"] = node.Endpoint,
                    ["inRecovery"] = h.Reachable ? h.InRecovery : null,
                    ["timeline"] = h.Reachable && h.Timeline > 0 ? h.Timeline : null,
                    ["latencyMs"] = Math.Round(h.LatencyMs, 3),
                    ["lagSeconds"] = node.Role == NodeRole.Replica && h.Reachable ? h.LagSeconds : null,
                    ["lagBytes"] = node.Role == NodeRole.Replica && h.Reachable ? h.LagBytes : null,
                    ["checkedAt"] = h.CheckedAt == default ? null : h.CheckedAt,
                    ["lastError"] = h.Reachable ? null : h.LastError,
                };
                if (replaced)
                {
                    // A replaced primary that is down or back as a standby is what is expected of it.
                    if (status == "split-brain")
                    {
                        writableReplaced.Add(node.Id);
                        degraded = true;
                    }
                }
                else if (!h.Reachable)
                {
                    down.Add(node.Id);
                    degraded = true;
                }
            }

            if (degraded)
            {
                degradedShards.Add(shard.Id);
            }
        }

        data["degradedShards"] = degradedShards;
        if (down.Count == 0 && writableReplaced.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("Every node answers.", data));
        }

        var parts = new List<string>();
        if (down.Count > 0)
        {
            parts.Add($"Not answering: {string.Join(", ", down)}");
        }

        if (writableReplaced.Count > 0)
        {
            parts.Add($"Replaced primaries answering as primaries (DataTier sends them nothing; rewind or stop them): {string.Join(", ", writableReplaced)}");
        }

        return Task.FromResult(HealthCheckResult.Degraded($"Degraded shards {string.Join(", ", degradedShards)}. {string.Join(". ", parts)}.", data: data));
    }
}
