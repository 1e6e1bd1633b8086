using DataTier.Core.Health;
using DataTier.Core.Topology;
using DataTier.Server.Api;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DataTier.Server.Endpoints;

/// <summary>Liveness and readiness.</summary>
public static class HealthEndpoints
{
    /// <summary>The tag of the health checks that decide readiness (<c>/health/ready</c>).</summary>
    public const string ReadinessTag = "ready";

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
        }).WithTags("Health").WithName("GetLive").WithSummary("Liveness: the process serves HTTP")
            .WithDescription("A constant answer with no I/O, for the liveness probe: a failure means restart the container.")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(Api.HealthStatus), ["application/json"]));
        // Ready means "this instance can serve": configuration and topology loaded, nodes probed once, the catalog
        // answering when one is configured. A node that is down (a replica, or even a shard's primary) makes the
        // instance degraded, not unready: every instance sees the same nodes, so failing readiness on them would take
        // all of them out of a load balancer at once, including for the shards that are fine. /health/detailed and the
        // datatier_shard_degraded gauge say which shard is degraded.
        app.MapGet("/health/ready", static async (HealthCheckService checks, ITopologyProvider topology, NodeHealthMonitor monitor, CancellationToken ct) =>
        {
            var report = await checks.CheckHealthAsync(static r => r.Tags.Contains(ReadinessTag), ct);
            bool ready = report.Status != Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy;
            var decidedBy = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString().ToLowerInvariant(), StringComparer.Ordinal);
            var nodes = topology.Current.Shards.SelectMany(s => s.Nodes).Select(n => ToDto(n, monitor.Get(n))).ToList();
            return TypedResults.Json(new Api.HealthStatus(ready ? "ready" : "not-ready", nodes, decidedBy), ServerJsonContext.Default.HealthStatus, statusCode: ready ? 200 : 503);
        }).WithTags("Health").WithName("GetReady").WithSummary("Readiness: this instance can serve")
            .WithDescription("200 'ready' once the topology is loaded, every node probed once and the catalog answering; 503 'not-ready' otherwise, with the checks that decided it. A node that is down leaves it at 200 (see /health/detailed).")
            .Produces<Api.HealthStatus>(StatusCodes.Status200OK).Produces<Api.HealthStatus>(StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>A node's health as shown to operators.</summary>
    public static NodeStatus ToDto(NodeDefinition node, NodeHealth health) => new(
        node.Id, node.ShardId, NodeRoles.Name(node.Role), node.Endpoint, health.Reachable,
        health.Reachable ? health.LagSeconds : null, health.Reachable ? health.LagBytes : null,
        Math.Round(health.LatencyMs, 3), health.CheckedAt == default ? null : health.CheckedAt, health.Reachable ? null : health.LastError,
        health.Reachable ? health.InRecovery : null, health.Reachable && health.Timeline > 0 ? health.Timeline : null);
}
