using System.Data;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DataTier.Core.Caching;
using DataTier.Core.Consistency;
using DataTier.Core.DataPath;
using DataTier.Core.Execution;
using DataTier.Core.Idempotency;
using DataTier.Server.Api;
using DataTier.Server.Auth;
using DataTier.Server.OpenApi;
using DataTier.Server.Problems;

namespace DataTier.Server.Endpoints;

/// <summary>The data API under /v1: routed reads and writes, transactions and scatter reads.</summary>
public static class DataEndpoints
{
    /// <summary>Maps the data API.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        // Plain request delegates over the singletons they need, resolved once: parameter binding from DI would
        // create a request service scope on every request for services that live as long as the app.
        var services = app.ServiceProvider;
        var data = services.GetRequiredService<DataGateway>();
        var preparer = services.GetRequiredService<StatementPreparer>();
        var tokens = services.GetRequiredService<SessionTokenCodec>();
        // The OpenAPI metadata below is read once, when the document is built; requests never look at it.
        var v1 = app.MapGroup("/v1").WithTags("Data").ProducesProblems(OpenApiEndpointExtensions.DataProblems);
        v1.MapPost("/query", http => QueryAsync(http, data, preparer, tokens)).RequireScope(Scopes.DataRead)
            .WithName("Query").WithSummary("A read routed to the shard that owns the key")
            .WithDescription("Runs one SELECT with @name parameters on the key's shard: a replica for 'eventual', the primary for 'strong', a replica that has replayed the token's LSN for 'session'; cacheable answers are served from the cache.")
            .Json<QueryRequest, QueryAnswer>().ProducesProblems(ReadProblems);
        v1.MapPost("/scatter", http => ScatterAsync(http, data, preparer, tokens)).RequireScope(Scopes.DataRead)
            .WithName("Scatter").WithSummary("A read across every shard, merged")
            .WithDescription("Runs one SELECT on every shard and merges the answers as one database would (ORDER BY, LIMIT/OFFSET, aggregates, GROUP BY, DISTINCT); what cannot be merged exactly is refused. 'page' reads keyset pages.")
            .Json<ScatterRequest, ScatterReadAnswer>().ProducesProblems(ReadProblems);
        v1.MapPost("/execute", http => ExecuteAsync(http, data, preparer, tokens)).RequireScope(Scopes.DataWrite)
            .WithName("Execute").WithSummary("One write on the key's shard")
            .WithDescription("Runs one INSERT, UPDATE or DELETE on the primary of the key's shard; the answer's token lets a 'session' read see it.")
            .Json<ExecuteRequest, ExecuteAnswer>().AcceptsIdempotencyKey().ProducesProblems(WriteProblems);
        v1.MapPost("/transaction", http => TransactionAsync(http, data, preparer, tokens)).RequireScope(Scopes.DataWrite)
            .WithName("Transaction").WithSummary("Several statements on one shard, all or nothing")
            .WithDescription("Runs the statements in order in one transaction on the primary of the key's shard, at the given isolation level.")
            .Json<TransactionRequest, TransactionAnswer>().AcceptsIdempotencyKey().ProducesProblems(WriteProblems);
    }

    private static readonly int[] ReadProblems = [422, 503, 504];

    private static readonly int[] WriteProblems = [409, 422, 503, 504];

    private static async Task QueryAsync(HttpContext http, DataGateway data, StatementPreparer preparer, SessionTokenCodec tokens)
    {
        var request = await ReadAsync(http, ServerJsonContext.Default.QueryRequest);
        string shardKey = RequireShardKey(request.ShardKey);
        var statement = preparer.Prepare(request.Sql, request.Params, StatementPurpose.Read);
        var consistency = ParseConsistency(request.Consistency);
        var token = DecodeToken(tokens, request.Token);
        var limits = RequestLimits.Resolve(data.Options, request.MaxRows, request.TimeoutMs);
        var mode = ParseCacheMode(request.Cache);
        long started = Stopwatch.GetTimestamp();
        var pending = data.ReadAsync(new ReadRequest(shardKey, statement, consistency, token, limits.MaxRows, limits.TimeoutMs, mode), http.RequestAborted);
        // A hit decided in memory has completed already: no await, no state machine for the answer.
        var answer = pending.IsCompletedSuccessfully ? pending.Result : await pending;
        var w = AnswerWriter.Start();
        w.WriteStartObject();
        w.WritePropertyName("rows");
        w.WriteRawValue(answer.RowsJson, skipInputValidation: true);
        w.WriteNumber("rowCount", answer.RowCount);
        w.WriteBoolean("truncated", answer.Truncated);
        w.WriteString("shard", answer.ShardId);
        w.WriteString("servedBy", answer.ServedBy);
        if (answer.NodeId is not null)
        {
            w.WriteString("node", answer.NodeId);
        }

        WriteCacheInfo(w, answer.Cache);
        w.WriteNumber("elapsedMs", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3));
        w.WriteEndObject();
        await AnswerWriter.SendAsync(http, w);
    }

    private static void WriteCacheInfo(Utf8JsonWriter w, CacheHitInfo? hit)
    {
        if (hit is not { } cache)
        {
            return;
        }

        w.WriteStartObject("cache");
        w.WriteString("layer", cache.Layer);
        w.WriteNumber("ageMs", Math.Round(cache.AgeMs, 3));
        w.WriteNumber("ttlSeconds", Math.Round(cache.TtlSeconds, 3));
        w.WriteNumber("complexity", cache.Complexity);
        w.WriteEndObject();
    }

    private static CacheMode ParseCacheMode(string? value) => value?.ToLowerInvariant() switch
    {
        null or "auto" => CacheMode.Auto,
        "fresh" => CacheMode.Fresh,
        "bypass" => CacheMode.Bypass,
        "refresh" => CacheMode.Refresh,
        _ => throw ProblemException.InvalidRequest($"'cache' must be auto, fresh, bypass or refresh, not '{Truncate(value)}'."),
    };

    private static async Task ExecuteAsync(HttpContext http, DataGateway data, StatementPreparer preparer, SessionTokenCodec tokens)
    {
        var request = await ReadAsync(http, ServerJsonContext.Default.ExecuteRequest);
        string shardKey = RequireShardKey(request.ShardKey);
        var statement = preparer.Prepare(request.Sql, request.Params, StatementPurpose.Write);
        var previous = DecodeToken(tokens, request.Token);
        var limits = RequestLimits.Resolve(data.Options, request.MaxRows, request.TimeoutMs);
        var idempotency = IdempotencyHeader.Read(http, "execute", shardKey, IsolationLevel.ReadCommitted, [new RequestStatement(request.Sql, request.Params)]);
        var answer = await data.WriteAsync(new WriteRequest(shardKey, [statement], IsolationLevel.ReadCommitted, previous, limits.MaxRows, limits.TimeoutMs) { Idempotency = idempotency }, http.RequestAborted);
        IdempotencyHeader.MarkReplay(http, answer.Write);
        string token = tokens.Encode(answer.Token);
        var result = answer.Write.Results[0];
        var w = AnswerWriter.Start();
        w.WriteStartObject();
        w.WriteNumber("rowsAffected", result.RowsAffected);
        w.WritePropertyName("rows");
        ResultJsonWriter.WriteRows(w, result.Rows);
        w.WriteString("shard", answer.Write.ShardId);
        w.WriteString("token", token);
        w.WriteEndObject();
        await AnswerWriter.SendAsync(http, w);
    }

    private static async Task TransactionAsync(HttpContext http, DataGateway data, StatementPreparer preparer, SessionTokenCodec tokens)
    {
        var request = await ReadAsync(http, ServerJsonContext.Default.TransactionRequest);
        string shardKey = RequireShardKey(request.ShardKey);
        if (request.Statements is not { Count: > 0 } statements)
        {
            throw ProblemException.InvalidRequest("'statements' must list at least one statement.");
        }

        if (statements.Count > data.Options.MaxStatementsPerTransaction)
        {
            throw ProblemException.InvalidRequest($"'statements' has {statements.Count} statements; at most {data.Options.MaxStatementsPerTransaction} are allowed.");
        }

        var bound = new List<BoundStatement>(statements.Count);
        for (int i = 0; i < statements.Count; i++)
        {
            if (statements[i] is null)
            {
                throw ProblemException.InvalidRequest($"statements[{i}] is null.");
            }

            bound.Add(preparer.Prepare(statements[i].Sql, statements[i].Params, StatementPurpose.TransactionStep, $"statements[{i}]"));
        }

        var isolation = ParseIsolation(request.Isolation);
        var previous = DecodeToken(tokens, request.Token);
        var limits = RequestLimits.Resolve(data.Options, request.MaxRows, request.TimeoutMs);
        var idempotency = IdempotencyHeader.Read(http, "transaction", shardKey, isolation, statements.ConvertAll(static s => new RequestStatement(s.Sql, s.Params)));
        var answer = await data.WriteAsync(new WriteRequest(shardKey, bound, isolation, previous, limits.MaxRows, limits.TimeoutMs) { Idempotency = idempotency }, http.RequestAborted);
        var write = answer.Write;
        IdempotencyHeader.MarkReplay(http, write);
        string token = tokens.Encode(answer.Token);
        var w = AnswerWriter.Start();
        {
            w.WriteStartObject();
            w.WritePropertyName("results");
            w.WriteStartArray();
            foreach (var result in write.Results)
            {
                w.WriteStartObject();
                w.WriteNumber("rowsAffected", result.RowsAffected);
                w.WritePropertyName("rows");
                ResultJsonWriter.WriteRows(w, result.Rows);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("shard", write.ShardId);
            w.WriteString("token", token);
            w.WriteEndObject();
        }

        await AnswerWriter.SendAsync(http, w);
    }

    /// <summary>The request's keyset page, checked: it replaces orderBy, limit and partial answers, which would make pages skip rows.</summary>
    private static ScatterPageRequest? ReadPage(ScatterRequest request, int maxRows)
    {
        if (request.Page is not { } page)
        {
            return null;
        }

        if (page.Size < 1 || page.Size > maxRows)
        {
            throw ProblemException.InvalidRequest($"'page.size' is {page.Size}; it must be between 1 and {maxRows} (maxRows).");
        }

        if (request.OrderBy is { Count: > 0 } || request.Limit is not null || request.AllowPartial)
        {
            throw ProblemException.InvalidRequest("'page' pages by the statement's own ORDER BY: leave out 'orderBy', 'limit' and 'allowPartial'.");
        }

        return new ScatterPageRequest(page.Size, page.After);
    }

    private static async Task ScatterAsync(HttpContext http, DataGateway data, StatementPreparer preparer, SessionTokenCodec tokens)
    {
        var request = await ReadAsync(http, ServerJsonContext.Default.ScatterRequest);
        var statement = preparer.Prepare(request.Sql, request.Params, StatementPurpose.Read);
        var consistency = ParseConsistency(request.Consistency);
        var token = DecodeToken(tokens, request.Token);
        var limits = RequestLimits.Resolve(data.Options, request.MaxRows, request.TimeoutMs);
        if (request.Limit is < 1)
        {
            throw ProblemException.InvalidRequest($"'limit' is {request.Limit}; it must be at least 1.");
        }

        var orderBy = new List<SortColumn>();
        foreach (var o in request.OrderBy ?? [])
        {
            if (o is null || string.IsNullOrEmpty(o.Column))
            {
                throw ProblemException.InvalidRequest("Every 'orderBy' entry needs a 'column'.");
            }

            orderBy.Add(new SortColumn(o.Column, o.Descending));
        }

        int? limit = request.Limit is int l ? Math.Min(l, data.Options.MaxRows) : null;
        var mode = ParseCacheMode(request.Cache);
        var page = ReadPage(request, limits.MaxRows);
        var outcome = await data.ScatterAsync(new ScatterReadRequest(statement, orderBy, limit, request.AllowPartial, consistency, token, limits.MaxRows, limits.TimeoutMs, mode) { Page = page }, http.RequestAborted);
        var w = AnswerWriter.Start();
        {
            w.WriteStartObject();
            w.WritePropertyName("rows");
            w.WriteRawValue(outcome.RowsJson, skipInputValidation: true);
            w.WriteNumber("rowCount", outcome.RowCount);
            w.WriteBoolean("truncated", outcome.Truncated);
            w.WriteString("servedBy", outcome.ServedBy);
            WriteCacheInfo(w, outcome.Cache);
            if (page is not null)
            {
                w.WriteStartObject("page");
                w.WriteNumber("size", page.Size);
                w.WriteString("next", outcome.NextPage);
                w.WriteEndObject();
            }

            w.WritePropertyName("shards");
            w.WriteStartArray();
            foreach (var s in outcome.Shards)
            {
                w.WriteStartObject();
                w.WriteString("id", s.Id);
                w.WriteNumber("rowCount", s.RowCount);
                w.WriteNumber("elapsedMs", Math.Round(s.ElapsedMs, 3));
                w.WriteString("servedBy", s.ServedBy);
                if (s.Node is not null)
                {
                    w.WriteString("node", s.Node);
                }
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WritePropertyName("failedShards");
            w.WriteStartArray();
            foreach (var f in outcome.FailedShards)
            {
                w.WriteStartObject();
                w.WriteString("id", f.Id);
                w.WriteString("code", f.Code);
                w.WriteString("detail", f.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        await AnswerWriter.SendAsync(http, w);
    }

    private static async ValueTask<T> ReadAsync<T>(HttpContext http, JsonTypeInfo<T> type)
        where T : class
    {
        long? length = http.Request.ContentLength;
        if (length == 0)
        {
            throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", "The body is empty; send a JSON object.");
        }

        T? value;
        try
        {
            if (length is long known && known <= BufferedBodyBytes)
            {
                // The usual small body: wait for all of it, then parse in one synchronous pass over the pipe's buffers.
                var body = http.Request.BodyReader;
                var read = await body.ReadAtLeastAsync((int)known, http.RequestAborted);
                var buffer = read.Buffer;
                try
                {
                    if (buffer.Length < known)
                    {
                        throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", $"The body ended after {buffer.Length} of its {known} bytes.");
                    }

                    value = Deserialize(buffer.Slice(0, known), type);
                }
                finally
                {
                    body.AdvanceTo(buffer.End);
                }
            }
            else
            {
                value = await JsonSerializer.DeserializeAsync(http.Request.Body, type, http.RequestAborted);
            }
        }
        catch (JsonException ex)
        {
            throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", $"The body is not a valid request for this endpoint{(ex.Path is null ? "" : $" (at {ex.Path})")}: {FirstLine(ex.Message)}");
        }

        return value ?? throw new ProblemException(400, ProblemTypes.InvalidJson, "Invalid JSON", "The body must be a JSON object, not null.");
    }

    private const int BufferedBodyBytes = 64 * 1024;

    private static T? Deserialize<T>(System.Buffers.ReadOnlySequence<byte> body, JsonTypeInfo<T> type)
    {
        var reader = new Utf8JsonReader(body);
        return JsonSerializer.Deserialize(ref reader, type);
    }

    private static string FirstLine(string message)
    {
        int cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static string RequireShardKey(string? shardKey)
    {
        if (string.IsNullOrEmpty(shardKey))
        {
            throw ProblemException.InvalidRequest("'shardKey' is required; use /v1/scatter for reads across every shard.");
        }

        if (shardKey.Length > 1024)
        {
            throw ProblemException.InvalidRequest("'shardKey' is longer than 1024 characters.");
        }

        return shardKey;
    }

    private static ConsistencyLevel ParseConsistency(string? value) => value?.ToLowerInvariant() switch
    {
        null or "eventual" => ConsistencyLevel.Eventual,
        "strong" => ConsistencyLevel.Strong,
        "session" => ConsistencyLevel.Session,
        _ => throw ProblemException.InvalidRequest($"'consistency' must be eventual, strong or session, not '{Truncate(value)}'."),
    };

    private static IsolationLevel ParseIsolation(string? value) => value?.ToLowerInvariant() switch
    {
        null or "read committed" => IsolationLevel.ReadCommitted,
        "repeatable read" => IsolationLevel.RepeatableRead,
        "serializable" => IsolationLevel.Serializable,
        _ => throw ProblemException.InvalidRequest($"'isolation' must be 'read committed', 'repeatable read' or 'serializable', not '{Truncate(value)}'."),
    };

    private static SessionToken? DecodeToken(SessionTokenCodec codec, string? token) =>
        string.IsNullOrEmpty(token) ? null : token.Length > 4096 ? throw new Core.Errors.DataTierException(Core.Errors.DataTierErrorKind.BadRequest, "invalid-token", "The session token is too long.") : codec.Decode(token);

    private static string Truncate(string? value) => value is null ? "" : value.Length <= 40 ? value : value[..40] + "…";
}
