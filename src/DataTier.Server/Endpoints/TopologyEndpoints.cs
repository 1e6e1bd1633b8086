using DataTier.Core.Health;
using DataTier.Core.Topology;
using DataTier.Server.Api;
using DataTier.Server.Auth;
using DataTier.Server.Problems;
using DataTier.Server.OpenApi;

namespace DataTier.Server.Endpoints;

/// <summary>Topology admin: the ring and where a key lives.</summary>
public static class TopologyEndpoints
{
    /// <summary>Maps <c>/admin/topology</c> and <c>/admin/topology/route</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/topology").RequireScope(Scopes.Admin).WithTags("Topology").ProducesProblems(OpenApiEndpointExtensions.AdminProblems);
        admin.MapGet("/", static (ITopologyProvider topology, NodeHealthMonitor monitor) =>
        {
            var snapshot = topology.Current;
            var shards = snapshot.Shards.Select(s => new ShardStatus(
                s.Id, s.Weight, HealthEndpoints.ToDto(s.Primary, monitor.Get(s.Primary)),
                s.Replicas.Select(r => HealthEndpoints.ToDto(r, monitor.Get(r))).ToList(),
                s.Replaced.Select(r => HealthEndpoints.ToDto(r, monitor.Get(r))).ToList(),
                Math.Max(s.PrimaryTimeline, monitor.LastPrimaryTimeline(s.Id)))).ToList();
            var desired = (snapshot.DesiredRing ?? snapshot.Ring).Members.ToDictionary(m => m.ShardId, m => m.Weight, StringComparer.Ordinal);
            var pending = snapshot.PendingShards.Select(s => new PendingShardView(s.Id, HealthEndpoints.ToDto(s.Primary, monitor.Get(s.Primary)).Endpoint)).ToList();
            return TypedResults.Ok(new TopologyView(snapshot.Version, snapshot.Ring.VirtualNodeCount, snapshot.Ring.VirtualNodesPerWeight, shards, pending, desired));
        }).WithName("GetTopology").WithSummary("The ring: every shard, its nodes and their health");
        admin.MapGet("/route", static (string? key, ITopologyProvider topology) =>
        {
            if (key is null)
            {
                throw ProblemException.InvalidRequest("The query parameter 'key' is required, e.g. /admin/topology/route?key=team-42.");
            }

            var snapshot = topology.Current;
            var shard = snapshot.Route(key);
            return TypedResults.Ok(new RouteView(key, shard.Id, Core.Hashing.PostgresHash.HashText(key), snapshot.Version));
        }).WithName("RouteKey").WithSummary("Which shard a key lives on, and its position on the ring");
    }
}
