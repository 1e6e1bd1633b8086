using DataTier.Core.Errors;
using Npgsql;

namespace DataTier.Core.Execution;

/// <summary>
/// Classifies PostgreSQL and connection failures by SQLSTATE (never by message text) into caller-facing errors.
/// </summary>
public static class PostgresErrorMapper
{
    /// <summary>
    /// The SQLSTATE a shard's move capture raises for a write to a fenced hash range (see the shard migration
    /// <c>RebalanceCaptureSchema</c>): nothing was written, and the write may be retried on the range's owner.
    /// </summary>
    public const string FencedSqlState = "DTM01";

    /// <summary>Whether the failure is about reaching the node (so another node may serve a read).</summary>
    public static bool IsConnectionFailure(Exception error) => error switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
                or PostgresErrorCodes.TooManyConnections,
        NpgsqlException => true,
        System.Net.Sockets.SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    private static DataTierException WrongShard(PostgresException pg, string shardId)
    {
        string? owner = Ownership.OwnershipGuard.OwnerOf(pg.Detail, pg.MessageText);
        string column = pg.ColumnName is { Length: > 0 } c ? c : "shard-key column";
        string table = pg.TableName is { Length: > 0 } t ? $"\"{t}\"" : "a sharded table";
        return new DataTierException(
            DataTierErrorKind.WrongShard,
            "wrong-shard",
            $"A row this write makes in {table} belongs to shard '{owner ?? "?"}' by its {column}, but the request's shard key routes to shard '{shardId}'; nothing was written. Send the write with the row's own {column} as its shard key.",
            pg) { SqlState = pg.SqlState, ShardId = shardId, OwnerShardId = owner };
    }

    /// <summary>Maps a failure on a node of a shard.</summary>
    public static DataTierException Map(Exception error, string shardId, bool timedOut)
    {
        if (error is DataTierException dte)
        {
            return dte;
        }

        if (error is PostgresException pg)
        {
            return pg.SqlState switch
            {
                PostgresErrorCodes.QueryCanceled => new DataTierException(DataTierErrorKind.Timeout, "timeout", "The statement ran past its timeout and was cancelled.", pg) { SqlState = pg.SqlState, ShardId = shardId },
                PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.SerializationFailure
                    or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.ExclusionViolation
                    => new DataTierException(DataTierErrorKind.Conflict, "conflict", pg.MessageText, pg) { SqlState = pg.SqlState, ShardId = shardId },
                FencedSqlState
                    => new DataTierException(DataTierErrorKind.RangeMoving, "range-moving", $"The key's hash range is moving off shard '{shardId}': {pg.MessageText}", pg) { SqlState = pg.SqlState, ShardId = shardId, RetryAfterSeconds = 1 },
                Ownership.OwnershipGuard.WrongShardSqlState => WrongShard(pg, shardId),
                PostgresErrorCodes.ReadOnlySqlTransaction
                    => new DataTierException(DataTierErrorKind.BadRequest, "write-in-read", "Reads run in read-only transactions; send writes to /v1/execute or /v1/transaction.", pg) { SqlState = pg.SqlState, ShardId = shardId },
                _ when IsConnectionFailure(pg)
                    => new DataTierException(DataTierErrorKind.ShardUnavailable, "shard-unavailable", $"Shard '{shardId}' is unavailable ({pg.SqlState}).", pg) { SqlState = pg.SqlState, ShardId = shardId, RetryAfterSeconds = 1 },
                _ => new DataTierException(DataTierErrorKind.SqlError, "sql-error", pg.MessageText, pg) { SqlState = pg.SqlState, ShardId = shardId },
            };
        }

        if (error is OperationCanceledException && timedOut)
        {
            return new DataTierException(DataTierErrorKind.Timeout, "timeout", "The statement ran past its timeout and was cancelled.", error) { ShardId = shardId };
        }

        if (IsConnectionFailure(error))
        {
            return new DataTierException(DataTierErrorKind.ShardUnavailable, "shard-unavailable", $"Shard '{shardId}' is unavailable: {Health.NodeHealthMonitor.Describe(error)}.", error) { ShardId = shardId, RetryAfterSeconds = 1 };
        }

        // Anything else (a cast the driver cannot make, say) is the statement's problem, not the shard's.
        return new DataTierException(DataTierErrorKind.SqlError, "sql-error", $"The statement's result could not be read: {error.GetType().Name}.", error) { ShardId = shardId };
    }
}
