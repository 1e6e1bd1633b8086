using System.Text.Json;
using DataTier.Core.Caching;
using DataTier.Core.Topology;
using DataTier.Server.Api;
using DataTier.Server.Auth;
using DataTier.Server.Problems;

namespace DataTier.Server.Endpoints;

/// <summary>Cache admin: statistics and invalidation.</summary>
public static class CacheEndpoints
{
    /// <summary>Maps <c>/admin/cache/*</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var cache = app.MapGroup("/admin/cache").RequireAuthorization(Scopes.Admin);
        cache.MapGet("/stats", static (CacheStats stats, QueryCache layers) =>
        {
            var (entries, bytes) = layers.L1Usage;
            return TypedResults.Json(stats.Snapshot(entries, bytes, layers.RedisAvailable), ServerJsonContext.Default.CacheStatsSnapshot);
        });
        cache.MapPost("/invalidate", static async (HttpContext http, TableVersions versions, QueryCache layers, ITopologyProvider topology) =>
        {
            CacheInvalidateRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync(http.Request.Body, ServerJsonContext.Default.CacheInvalidateRequest, http.RequestAborted);
            }
            catch (JsonException)
            {
                throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", "Send {\"shard\": ..., \"table\": ...}, {\"key\": ...} or {\"all\": true}.");
            }

            if (request is null)
            {
                throw ProblemException.InvalidRequest("Send {\"shard\": ..., \"table\": ...}, {\"key\": ...} or {\"all\": true}.");
            }

            if (request.All == true)
            {
                layers.ClearL1();
                await versions.BumpAllAsync();
                return TypedResults.Ok(new CacheInvalidateResult("all", null));
            }

            if (!string.IsNullOrEmpty(request.Key))
            {
                await layers.RemoveAsync(request.Key);
                return TypedResults.Ok(new CacheInvalidateResult("key", request.Key));
            }

            if (!string.IsNullOrEmpty(request.Table))
            {
                var shards = request.Shard is null ? topology.Current.Shards.Select(s => s.Id).ToList() : [request.Shard];
                if (request.Shard is not null && !topology.Current.ShardsById.ContainsKey(request.Shard))
                {
                    throw ProblemException.InvalidRequest($"There is no shard '{request.Shard}'.");
                }

                foreach (var shard in shards)
                {
                    await versions.BumpAsync(shard, [request.Table], 0);
                }

                return TypedResults.Ok(new CacheInvalidateResult("table", $"{string.Join(",", shards)}:{request.Table}"));
            }

            throw ProblemException.InvalidRequest("Name a 'table' (and optionally a 'shard'), a 'key', or set 'all': true.");
        });
        cache.MapPost("/warmup", static async (HttpContext http, CachedReader reader, Core.Execution.StatementPreparer preparer, Core.Execution.DataService data) =>
        {
            CacheWarmupRequest? request;
            try
            {
                request = await JsonSerializer.DeserializeAsync(http.Request.Body, ServerJsonContext.Default.CacheWarmupRequest, http.RequestAborted);
            }
            catch (JsonException)
            {
                throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", "Send {\"statements\": [{\"shardKey\", \"sql\", \"params\"}, ...]}.");
            }

            if (request?.Statements is not { Count: > 0 } statements)
            {
                throw ProblemException.InvalidRequest("'statements' must list at least one {shardKey, sql, params} to run and cache.");
            }

            if (statements.Count > 1000)
            {
                throw ProblemException.InvalidRequest($"'statements' has {statements.Count} entries; at most 1000 are allowed per call.");
            }

            // Validate everything before running anything.
            var prepared = statements.Select((s, i) =>
            {
                if (s is null || string.IsNullOrEmpty(s.ShardKey))
                {
                    throw ProblemException.InvalidRequest($"statements[{i}].shardKey is required.");
                }

                return (s.ShardKey, Statement: preparer.Prepare(s.Sql, s.Params, Core.Execution.StatementPurpose.Read, $"statements[{i}].sql"));
            }).ToList();
            var results = new List<CacheWarmupResult>(prepared.Count);
            foreach (var (shardKey, statement) in prepared)
            {
                var answer = await reader.QueryAsync(shardKey, statement, Core.Consistency.ConsistencyLevel.Eventual, null,
                    data.Options.DefaultMaxRows, data.Options.DefaultTimeoutMs, CacheMode.Refresh, http.RequestAborted);
                results.Add(new CacheWarmupResult(answer.ShardId, statement.Fingerprint, answer.RowCount));
            }

            return TypedResults.Ok(new CacheWarmupResponse(results.Count, results));
        });
    }
}
