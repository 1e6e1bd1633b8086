using DataTier.Core.Caching;
using DataTier.Core.Diagnostics;
using DataTier.Core.Health;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using DataTier.Server.Api;
using DataTier.Server.Auth;
using DataTier.Server.Problems;
using Microsoft.Extensions.Options;
using DataTier.Server.OpenApi;

namespace DataTier.Server.Endpoints;

/// <summary>What a DBA looks at: slow queries with their plans, and database performance.</summary>
public static class DbEndpoints
{
    /// <summary>Maps <c>/admin/db/*</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var db = app.MapGroup("/admin/db").RequireScope(Scopes.Admin).WithTags("Database").ProducesProblems(OpenApiEndpointExtensions.AdminProblems);
        db.MapGet("/slow-queries", static async (int? limit, string? sort, string? shard, long? minCalls, QueryDigest digest, DatabaseInspector inspector, IOptions<DigestOptions> options, CancellationToken ct) =>
        {
            string order = sort?.ToLowerInvariant() ?? "total";
            if (order is not ("total" or "mean" or "p99" or "calls"))
            {
                throw ProblemException.InvalidRequest($"'sort' must be total, mean, p99 or calls, not '{Short(sort)}'.");
            }

            if (limit is < 1 or > 1000)
            {
                throw ProblemException.InvalidRequest($"'limit' is {limit}; it must be between 1 and 1000.");
            }

            var postgres = await inspector.StatementsAsync(ct);
            var entries = SlowQueryReport.Build(digest.Snapshot(), postgres, options.Value.SlowThresholdMs, shard, minCalls ?? 0, order, limit ?? 50);
            return TypedResults.Ok(new SlowQueriesView(order, options.Value.SlowThresholdMs, digest.Count, digest.Evicted, entries));
        }).WithName("GetSlowQueries").WithSummary("The slowest statements, from DataTier's digest and pg_stat_statements");
        db.MapGet("/slow-queries/{fingerprint}/plan", static async (string fingerprint, QueryDigest digest, DatabaseInspector inspector, ITopologyProvider topology, NodeHealthMonitor health, CancellationToken ct) =>
        {
            if (!ulong.TryParse(fingerprint, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out ulong id) || digest.Find(id) is not { } entry)
            {
                throw new ProblemException(404, ProblemTypes.NotFound, "Not found", $"No statement with fingerprint '{Short(fingerprint)}' in DataTier's digest; take ids from /admin/db/slow-queries.");
            }

            var snapshot = entry.Snapshot();
            var shardId = snapshot.Shards.FirstOrDefault() ?? topology.Current.Shards[0].Id;
            var shard = topology.Current.ShardsById.GetValueOrDefault(shardId) ?? topology.Current.Shards[0];
            // A replica when one answers: planning never needs the primary.
            var node = shard.Replicas.FirstOrDefault(r => health.Get(r).Reachable) ?? shard.Primary;
            int parameters = System.Text.RegularExpressions.Regex.Matches(entry.SampleSql, @"\$(\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
            string plan = await inspector.GenericPlanAsync(node, entry.SampleSql, parameters, ct);
            return Results.Text($"{{\"fingerprintId\":\"{snapshot.FingerprintId}\",\"shard\":\"{shard.Id}\",\"node\":\"{node.Id}\",\"generic\":true,\"plan\":{plan}}}", "application/json");
        }).WithName("GetSlowQueryPlan").WithSummary("A statement's generic plan (EXPLAIN FORMAT JSON) on one of its shards")
            .Produces(StatusCodes.Status200OK, contentType: "application/json").ProducesProblems(404, 503);
        db.MapGet("/performance", static async (string? history, ITopologyProvider topology, NodeHealthMonitor health, PerformanceSampler sampler, DatabaseInspector inspector,
            NodeDataSources pools, CacheStats cacheStats, QueryCache cache, QueryDigest digest, CancellationToken ct) =>
        {
            TimeSpan? window = history switch
            {
                null => null,
                _ when TimeSpan.TryParse(history, System.Globalization.CultureInfo.InvariantCulture, out var t) => t,
                _ when history.EndsWith('h') && double.TryParse(history[..^1], System.Globalization.CultureInfo.InvariantCulture, out double h) => TimeSpan.FromHours(h),
                _ when history.EndsWith('m') && double.TryParse(history[..^1], System.Globalization.CultureInfo.InvariantCulture, out double m) => TimeSpan.FromMinutes(m),
                _ => throw ProblemException.InvalidRequest($"'history' must be a duration like 1h or 15m, not '{Short(history)}'."),
            };
            var shards = new List<ShardPerformance>();
            foreach (var shard in topology.Current.Shards)
            {
                var nodes = new List<NodePerformance>();
                foreach (var node in shard.Nodes)
                {
                    var h = health.Get(node);
                    NodeFindings? findings = null;
                    string? error = null;
                    if (h.Reachable)
                    {
                        try
                        {
                            findings = await inspector.FindingsAsync(node, ct);
                        }
                        catch (Exception ex) when (ex is Npgsql.NpgsqlException or Core.Errors.DataTierException or TimeoutException)
                        {
                            error = NodeHealthMonitor.Describe(ex);
                        }
                    }

                    nodes.Add(new NodePerformance(node.Id, node.Role == NodeRole.Primary ? "primary" : "replica", h.Reachable, error ?? (h.Reachable ? null : h.LastError),
                        sampler.Latest(node.Id), window is { } w ? sampler.History(node.Id, w) : null,
                        node.Role == NodeRole.Replica && h.Reachable ? h.LagSeconds : null, node.Role == NodeRole.Replica && h.Reachable ? h.LagBytes : null,
                        pools.InUse(node.Id), pools.Options.MaxPoolSize, findings));
                }

                shards.Add(new ShardPerformance(shard.Id, nodes));
            }

            var (entries, bytes) = cache.L1Usage;
            var stats = cacheStats.Snapshot(entries, bytes, cache.RedisAvailable);
            var dataTier = new DataTierPerformance(digest.Snapshot().Sum(d => d.Calls), stats.HitRate, stats.L1.HitRate, stats.L2.HitRate, digest.Count);
            return TypedResults.Ok(new PerformanceView(DateTimeOffset.UtcNow, shards, dataTier));
        }).WithName("GetPerformance").WithSummary("Every node's rates, lag, pool use and findings, and DataTier's own figures");
    }

    private static string Short(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";
}
