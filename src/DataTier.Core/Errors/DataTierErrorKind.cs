namespace DataTier.Core.Errors;

/// <summary>What went wrong, in terms a caller can act on. The host maps each kind to a status code.</summary>
public enum DataTierErrorKind
{
    /// <summary>The request is malformed or refused before reaching a server.</summary>
    BadRequest,

    /// <summary>A unique or foreign-key violation, serialization failure or deadlock.</summary>
    Conflict,

    /// <summary>The statement failed on the server (syntax, undefined object, bad data...).</summary>
    SqlError,

    /// <summary>No node of the shard could serve the request.</summary>
    ShardUnavailable,

    /// <summary>The statement or the request ran past its timeout.</summary>
    Timeout,

    /// <summary>No pooled connection became free within the configured wait.</summary>
    PoolExhausted,

    /// <summary>The key's hash range is being moved to another shard and its write fence did not lift in time.</summary>
    RangeMoving,

    /// <summary>A row the write makes belongs to another shard on the ring than the one its shard key routes to; nothing was written.</summary>
    WrongShard,

    /// <summary>An idempotency key already recorded a different request; nothing was applied.</summary>
    IdempotencyKeyReused,
}
