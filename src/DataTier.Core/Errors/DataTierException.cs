namespace DataTier.Core.Errors;

/// <summary>
/// A failure the caller should see, with a stable <see cref="Code"/>. Messages never contain connection
/// strings, passwords, keys or parameter values.
/// </summary>
public sealed class DataTierException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DataTierException(DataTierErrorKind kind, string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        Code = code;
    }

    /// <summary>The kind of failure.</summary>
    public DataTierErrorKind Kind { get; }

    /// <summary>A stable, machine-readable code (the last segment of the problem type).</summary>
    public string Code { get; }

    /// <summary>The PostgreSQL SQLSTATE, when the server reported one.</summary>
    public string? SqlState { get; init; }

    /// <summary>The shard involved, when there is one.</summary>
    public string? ShardId { get; init; }

    /// <summary>For <see cref="DataTierErrorKind.WrongShard"/>: the shard that owns the refused row.</summary>
    public string? OwnerShardId { get; init; }

    /// <summary>Seconds after which a retry may succeed (pool exhaustion, unavailable shard).</summary>
    public int? RetryAfterSeconds { get; init; }
}
