using DataTier.Core.Health;
using DataTier.Core.Topology;
using DataTier.Server.Api;

namespace DataTier.Server.Endpoints;

/// <summary>Liveness and readiness.</summary>
public static class HealthEndpoints
{
    /// <summary>Maps <c>/health/live</c> and <c>/health/ready</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health/live", static () => TypedResults.Ok(new HealthStatus("live", null)));
        app.MapGet("/health/ready", static (ITopologyProvider topology, NodeHealthMonitor monitor) =>
        {
            var nodes = topology.Current.Shards.SelectMany(s => s.Nodes).Select(n => ToDto(n, monitor.Get(n))).ToList();
            bool ready = nodes.All(n => n.Reachable);
            return TypedResults.Json(new HealthStatus(ready ? "ready" : "not-ready", nodes), ServerJsonContext.Default.HealthStatus, statusCode: ready ? 200 : 503);
        });
    }

    /// <summary>A node's health as shown to operators.</summary>
    public static NodeStatus ToDto(NodeDefinition node, NodeHealth health) => new(
        node.Id, node.ShardId, node.Role == NodeRole.Primary ? "primary" : "replica", node.Endpoint, health.Reachable,
        health.Reachable ? health.LagSeconds : null, health.Reachable ? health.LagBytes : null,
        Math.Round(health.LatencyMs, 3), health.CheckedAt == default ? null : health.CheckedAt, health.Reachable ? null : health.LastError);
}
