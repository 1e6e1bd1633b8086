using DataTier.Core.Health;
using DataTier.Core.Topology;
using DataTier.Server.Api;

namespace DataTier.Server.Endpoints;

/// <summary>Liveness and readiness.</summary>
public static class HealthEndpoints
{
    // What TypedResults.Ok(new HealthStatus("live", null)) wrote, byte for byte.
    private static readonly ReadOnlyMemory<byte> LiveBody = """{"status":"live","nodes":null}"""u8.ToArray();

    /// <summary>Maps <c>/health/live</c> and <c>/health/ready</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        // Written directly: the one answer a liveness probe needs costs no result object or serializer state.
        app.MapGet("/health/live", static http =>
        {
            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.ContentLength = LiveBody.Length;
            return http.Response.Body.WriteAsync(LiveBody).AsTask();
        });
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
