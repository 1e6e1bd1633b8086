using System.Buffers;
using System.Data;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace DataTier.Client;

/// <summary>
/// A typed client of DataTier's data API. It keeps the session token of the writes it made, so
/// <see cref="Consistency.Session"/> reads see them, and turns problem answers into typed exceptions. Every write and
/// transaction carries a new <c>Idempotency-Key</c> and is retried with it on transient failures (see
/// <see cref="DataTierClientOptions.MaxWriteAttempts"/>), so a retry never applies a write twice.
/// Thread-safe; share one per logical session.
/// </summary>
public sealed class DataTierClient
{
    // Read-only with its resolver set: GetTypeInfo on options that no serializer call has locked yet throws, so a
    // process whose first call was QueryAsync<T> failed.
    private static readonly JsonSerializerOptions UserJson = CreateUserJson();
    private readonly HttpClient _http;
    private readonly DataTierClientOptions _options;
    private readonly WriteRetryPolicy _retry;
    private readonly object _tokenLock = new();
    private string? _token;

    /// <summary>Creates a client over an <see cref="HttpClient"/> whose BaseAddress is the DataTier server.</summary>
    public DataTierClient(HttpClient http, DataTierClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        _http = http;
        _options = options;
        _retry = new WriteRetryPolicy(options.MaxWriteAttempts, options.RetryBaseDelay, options.MaxRetryDelay);
    }

    /// <summary>The session token of the writes made so far (carry it to another client to keep reading your writes).</summary>
    public string? SessionToken
    {
        get
        {
            lock (_tokenLock)
            {
                return _token;
            }
        }

        set
        {
            lock (_tokenLock)
            {
                _token = value;
            }
        }
    }

    /// <summary>Reads from the key's shard.</summary>
    public Task<QueryResult<T>> QueryAsync<T>(string shardKey, string sql, object? parameters = null, Consistency? consistency = null, CancellationToken cancellationToken = default) =>
        QueryAsync(shardKey, sql, parameters, consistency, (JsonTypeInfo<T>)UserJson.GetTypeInfo(typeof(T)), cancellationToken);

    /// <summary>Reads from the key's shard, deserialising rows with source-generated metadata.</summary>
    public async Task<QueryResult<T>> QueryAsync<T>(string shardKey, string sql, object? parameters, Consistency? consistency, JsonTypeInfo<T> rowType, CancellationToken cancellationToken = default)
    {
        var level = consistency ?? _options.DefaultConsistency;
        using var doc = await PostAsync("/v1/query", w =>
        {
            w.WriteString("shardKey", shardKey);
            WriteStatement(w, sql, parameters);
            w.WriteString("consistency", Name(level));
            WriteToken(w, level == Consistency.Session);
            WriteTimeout(w);
        }, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        return new QueryResult<T>(Rows(root.GetProperty("rows"), rowType), root.GetProperty("truncated").GetBoolean(), root.GetProperty("shard").GetString()!,
            root.GetProperty("servedBy").GetString()!, root.TryGetProperty("cache", out var cache) ? cache.GetProperty("layer").GetString() : null, root.GetProperty("elapsedMs").GetDouble());
    }

    /// <summary>Runs one INSERT, UPDATE or DELETE on the key's shard primary.</summary>
    public async Task<ExecuteResult> ExecuteAsync(string shardKey, string sql, object? parameters = null, CancellationToken cancellationToken = default)
    {
        using var doc = await ExecuteCoreAsync(shardKey, sql, parameters, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        return new ExecuteResult(root.GetProperty("rowsAffected").GetInt64(), root.GetProperty("shard").GetString()!, root.GetProperty("token").GetString()!);
    }

    /// <summary>Runs one write with RETURNING and gives its rows.</summary>
    public async Task<ExecuteResult<T>> ExecuteAsync<T>(string shardKey, string sql, object? parameters = null, CancellationToken cancellationToken = default)
    {
        using var doc = await ExecuteCoreAsync(shardKey, sql, parameters, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        return new ExecuteResult<T>(root.GetProperty("rowsAffected").GetInt64(), Rows(root.GetProperty("rows"), (JsonTypeInfo<T>)UserJson.GetTypeInfo(typeof(T))),
            root.GetProperty("shard").GetString()!, root.GetProperty("token").GetString()!);
    }

    /// <summary>Runs statements in one transaction on the key's shard, all or nothing.</summary>
    public async Task<TransactionResult> TransactionAsync(string shardKey, IEnumerable<Statement> statements, IsolationLevel isolation = IsolationLevel.ReadCommitted, CancellationToken cancellationToken = default)
    {
        using var doc = await PostWriteAsync("/v1/transaction", w =>
        {
            w.WriteString("shardKey", shardKey);
            w.WriteString("isolation", isolation switch
            {
                IsolationLevel.ReadCommitted => "read committed",
                IsolationLevel.RepeatableRead => "repeatable read",
                IsolationLevel.Serializable => "serializable",
                _ => throw new ArgumentOutOfRangeException(nameof(isolation), isolation, "DataTier runs read committed, repeatable read or serializable."),
            });
            w.WriteStartArray("statements");
            foreach (var statement in statements)
            {
                w.WriteStartObject();
                WriteStatement(w, statement.Sql, statement.Parameters);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            WriteToken(w, true);
            WriteTimeout(w);
        }, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        KeepToken(root);
        return new TransactionResult(root.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("rowsAffected").GetInt64()).ToList(),
            root.GetProperty("shard").GetString()!, root.GetProperty("token").GetString()!);
    }

    /// <summary>Reads from every shard and merges: with <paramref name="orderBy"/> and <paramref name="limit"/>, a k-way merge of each shard's top rows.</summary>
    public async Task<ScatterResult<T>> ScatterAsync<T>(string sql, object? parameters = null, IEnumerable<OrderBy>? orderBy = null, int? limit = null, bool allowPartial = false, Consistency? consistency = null, CancellationToken cancellationToken = default)
    {
        var level = consistency ?? _options.DefaultConsistency;
        using var doc = await PostAsync("/v1/scatter", w =>
        {
            WriteStatement(w, sql, parameters);
            if (orderBy is not null)
            {
                w.WriteStartArray("orderBy");
                foreach (var o in orderBy)
                {
                    w.WriteStartObject();
                    w.WriteString("column", o.Column);
                    w.WriteBoolean("descending", o.Descending);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }

            if (limit is int l)
            {
                w.WriteNumber("limit", l);
            }

            w.WriteBoolean("allowPartial", allowPartial);
            w.WriteString("consistency", Name(level));
            WriteToken(w, level == Consistency.Session);
            WriteTimeout(w);
        }, cancellationToken).ConfigureAwait(false);
        var root = doc.RootElement;
        return new ScatterResult<T>(Rows(root.GetProperty("rows"), (JsonTypeInfo<T>)UserJson.GetTypeInfo(typeof(T))), root.GetProperty("truncated").GetBoolean(),
            root.GetProperty("shards").Deserialize(ClientJsonContext.Default.ListScatterShard)!,
            root.GetProperty("failedShards").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList());
    }

    private async Task<JsonDocument> ExecuteCoreAsync(string shardKey, string sql, object? parameters, CancellationToken cancellationToken)
    {
        var doc = await PostWriteAsync("/v1/execute", w =>
        {
            w.WriteString("shardKey", shardKey);
            WriteStatement(w, sql, parameters);
            WriteToken(w, true);
            WriteTimeout(w);
        }, cancellationToken).ConfigureAwait(false);
        KeepToken(doc.RootElement);
        return doc;
    }

    private void KeepToken(JsonElement root)
    {
        // The server merged the token this client sent with the write's LSN: the answer's token supersedes it.
        if (root.TryGetProperty("token", out var token) && token.GetString() is { Length: > 0 } value)
        {
            SessionToken = value;
        }
    }

    private void WriteStatement(Utf8JsonWriter w, string sql, object? parameters)
    {
        w.WriteString("sql", sql);
        if (parameters is not null)
        {
            w.WritePropertyName("params");
            JsonSerializer.Serialize(w, parameters, parameters.GetType(), UserJson);
        }
    }

    private void WriteTimeout(Utf8JsonWriter w)
    {
        if (_options.DefaultTimeout is { } timeout)
        {
            w.WriteNumber("timeoutMs", (int)timeout.TotalMilliseconds);
        }
    }

    private void WriteToken(Utf8JsonWriter w, bool send)
    {
        if (send && SessionToken is { } token)
        {
            w.WriteString("token", token);
        }
    }

    private Task<JsonDocument> PostAsync(string path, Action<Utf8JsonWriter> body, CancellationToken cancellationToken) =>
        SendAsync(path, Serialize(body), idempotencyKey: null, cancellationToken);

    // One key per logical write, and the same body and key on every attempt: the server applies the write at most
    // once and answers a retry of an applied one with its first answer.
    private async Task<JsonDocument> PostWriteAsync(string path, Action<Utf8JsonWriter> body, CancellationToken cancellationToken)
    {
        var content = Serialize(body);
        string key = Guid.NewGuid().ToString("N");
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync(path, content, key, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (WriteRetryPolicy.IsTransient(ex, cancellationToken)
                && _retry.NextDelay(attempt, (ex as DataTierException)?.RetryAfter, Random.Shared.NextDouble()) is { } delay)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static ReadOnlyMemory<byte> Serialize(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private async Task<JsonDocument> SendAsync(string path, ReadOnlyMemory<byte> body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        ProblemBody? problem = null;
        try
        {
            problem = await JsonSerializer.DeserializeAsync(stream, ClientJsonContext.Default.ProblemBody, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy in between, say): fall back to the status alone.
        }

        throw ToException((int)response.StatusCode, problem, response.Headers.RetryAfter?.Delta);
    }

    private static DataTierException ToException(int status, ProblemBody? p, TimeSpan? retryAfter)
    {
        string type = p?.Type ?? "about:blank";
        string detail = p?.Detail ?? $"HTTP {status}";
        return status switch
        {
            400 => new DataTierBadRequestException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId),
            401 or 403 => new DataTierAuthException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId),
            409 => new DataTierConflictException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId),
            422 => new DataTierSqlException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId),
            429 or 503 => new DataTierUnavailableException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId) { RetryAfter = retryAfter },
            504 => new DataTierTimeoutException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId),
            _ => new DataTierException(status, type, p?.Code, detail, p?.SqlState, p?.Shard, p?.TraceId),
        };
    }

    private static List<T> Rows<T>(JsonElement rows, JsonTypeInfo<T> type)
    {
        var list = new List<T>(rows.GetArrayLength());
        foreach (var row in rows.EnumerateArray())
        {
            list.Add(row.Deserialize(type)!);
        }

        return list;
    }

    private static string Name(Consistency consistency) => consistency switch
    {
        Consistency.Strong => "strong",
        Consistency.Session => "session",
        _ => "eventual",
    };

    private static JsonSerializerOptions CreateUserJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };
        options.MakeReadOnly();
        return options;
    }
}
