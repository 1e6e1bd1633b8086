using System.Text.Json;
using DataTier.Core.Caching;
using DataTier.Core.DataPath;
using DataTier.Core.Consistency;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using DataTier.Server.Api;
using DataTier.Server.Auth;
using DataTier.Server.Problems;
using DataTier.Server.OpenApi;

namespace DataTier.Server.Endpoints;

/// <summary>Cache admin: statistics, invalidation and warm-up.</summary>
public static class CacheEndpoints
{
    /// <summary>Maps <c>/admin/cache/*</c>.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        var cache = app.MapGroup("/admin/cache").RequireScope(Scopes.Admin).WithTags("Cache").ProducesProblems(OpenApiEndpointExtensions.AdminProblems);
        cache.MapGet("/stats", static (CacheStats stats, QueryCache layers) =>
        {
            var (entries, bytes) = layers.L1Usage;
            return TypedResults.Json(stats.Snapshot(entries, bytes, layers.RedisAvailable), ServerJsonContext.Default.CacheStatsSnapshot);
        }).WithName("GetCacheStats").WithSummary("Hits, misses and sizes of the L1 and L2 cache layers").Produces<CacheStatsSnapshot>();
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
        }).WithName("InvalidateCache").WithSummary("Drop cached reads of a table, one key, or everything").WithMetadata(new JsonRequestBody(typeof(CacheInvalidateRequest)));
        cache.MapPost("/warmup", WarmupAsync).WithName("WarmCache").WithSummary("Run reads and cache their answers")
            .WithMetadata(new JsonRequestBody(typeof(CacheWarmupRequest))).Produces<CacheWarmupResponse>();
    }

    private const string WarmupShape = "Send {\"top\": N} (the N statement shapes the digest has seen most often) or {\"statements\": [{\"shardKey\", \"sql\", \"params\"}, ...]}.";

    private static async Task<IResult> WarmupAsync(HttpContext http, DataGateway data, WarmupSamples samples, QueryDigest digest, StatementPreparer preparer)
    {
        CacheWarmupRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Request.Body, ServerJsonContext.Default.CacheWarmupRequest, http.RequestAborted);
        }
        catch (JsonException)
        {
            throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", WarmupShape);
        }

        if (request is null || (request.Top is null) == (request.Statements is null))
        {
            throw ProblemException.InvalidRequest("Name either 'top' or 'statements', not both. " + WarmupShape);
        }

        if (request.Top is int top)
        {
            if (top is < 1 or > MaxWarmup)
            {
                throw ProblemException.InvalidRequest($"'top' is {top}; it must be between 1 and {MaxWarmup}.");
            }

            var results = new List<CacheWarmupResult>(top);
            foreach (var (sample, calls) in samples.MostFrequent(digest, top))
            {
                results.Add(await WarmAsync(data, sample, calls, http.RequestAborted));
            }

            return TypedResults.Ok(Response(results));
        }

        var statements = request.Statements!;
        if (statements.Count is 0 or > MaxWarmup)
        {
            throw ProblemException.InvalidRequest($"'statements' has {statements.Count} entries; send between 1 and {MaxWarmup}.");
        }

        // Validate everything before running anything.
        var prepared = statements.Select((s, i) =>
        {
            if (s is null || string.IsNullOrEmpty(s.ShardKey))
            {
                throw ProblemException.InvalidRequest($"statements[{i}].shardKey is required.");
            }

            var statement = preparer.Prepare(s.Sql, s.Params, StatementPurpose.Read, $"statements[{i}].sql");
            return new WarmupSample(s.ShardKey, statement, [], null, data.Options.DefaultMaxRows, data.Options.DefaultTimeoutMs);
        }).ToList();
        var warmed = new List<CacheWarmupResult>(prepared.Count);
        foreach (var sample in prepared)
        {
            warmed.Add(await WarmAsync(data, sample, null, http.RequestAborted));
        }

        return TypedResults.Ok(Response(warmed));
    }

    private const int MaxWarmup = 1000;

    private static CacheWarmupResponse Response(List<CacheWarmupResult> results) =>
        new(results.Count(r => r.Error is null), results.Count(r => r.Error is not null), results);

    // One failing statement (a table dropped since it was sampled, a shard down) does not stop the others; it is
    // reported with its error. Cancellation by the caller still ends the whole warm-up.
    private static async Task<CacheWarmupResult> WarmAsync(DataGateway data, WarmupSample sample, long? calls, CancellationToken cancellationToken)
    {
        try
        {
            if (sample.ShardKey is { } shardKey)
            {
                var answer = await data.ReadAsync(new ReadRequest(shardKey, sample.Statement, ConsistencyLevel.Eventual, null, sample.MaxRows, sample.TimeoutMs, CacheMode.Refresh), cancellationToken);
                return new CacheWarmupResult(answer.ShardId, sample.Statement.Fingerprint, answer.RowCount, calls);
            }

            var scatter = await data.ScatterAsync(new ScatterReadRequest(sample.Statement, sample.OrderBy, sample.Limit, AllowPartial: false, ConsistencyLevel.Eventual, null, sample.MaxRows, sample.TimeoutMs, CacheMode.Refresh), cancellationToken);
            return new CacheWarmupResult("*", sample.Statement.Fingerprint, scatter.RowCount, calls);
        }
        catch (DataTierException ex)
        {
            return new CacheWarmupResult(sample.ShardKey is null ? "*" : "", sample.Statement.Fingerprint, 0, calls, $"{ex.Code}: {ex.Message}");
        }
    }
}
