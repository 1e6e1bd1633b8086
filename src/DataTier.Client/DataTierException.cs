namespace DataTier.Client;

/// <summary>A problem+json answer from DataTier.</summary>
public class DataTierException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataTierException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
        : base($"{status} {code ?? type}: {detail}")
    {
        Status = status;
        Type = type;
        Code = code ?? type.Split('/')[^1];
        Detail = detail;
        SqlState = sqlState;
        Shard = shard;
        TraceId = traceId;
    }

    /// <summary>HTTP status.</summary>
    public int Status { get; }

    /// <summary>Problem type URI.</summary>
    public string Type { get; }

    /// <summary>Stable code: the last segment of the type.</summary>
    public string Code { get; }

    /// <summary>What went wrong.</summary>
    public string Detail { get; }

    /// <summary>PostgreSQL SQLSTATE, when the server reported one.</summary>
    public string? SqlState { get; }

    /// <summary>The shard involved.</summary>
    public string? Shard { get; }

    /// <summary>The server's trace id, for its logs.</summary>
    public string? TraceId { get; }

    /// <summary>When the server said to retry (503, 429).</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>400: a malformed request or a refused statement.</summary>
public sealed class DataTierBadRequestException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
    : DataTierException(status, type, code, detail, sqlState, shard, traceId);

/// <summary>401 or 403: no valid key, or a key without the scope.</summary>
public sealed class DataTierAuthException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
    : DataTierException(status, type, code, detail, sqlState, shard, traceId);

/// <summary>409: unique or foreign-key violation, serialization failure, deadlock.</summary>
public sealed class DataTierConflictException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
    : DataTierException(status, type, code, detail, sqlState, shard, traceId);

/// <summary>422: the statement failed on the server.</summary>
public sealed class DataTierSqlException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
    : DataTierException(status, type, code, detail, sqlState, shard, traceId);

/// <summary>503 (or 429): a shard or pool is unavailable now; see <see cref="DataTierException.RetryAfter"/>.</summary>
public sealed class DataTierUnavailableException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
    : DataTierException(status, type, code, detail, sqlState, shard, traceId);

/// <summary>504: the statement ran past its timeout.</summary>
public sealed class DataTierTimeoutException(int status, string type, string? code, string detail, string? sqlState, string? shard, string? traceId)
    : DataTierException(status, type, code, detail, sqlState, shard, traceId);
