namespace DataTier.Postgres.CrossShard;

/// <summary>A shard answered its part of a merged read with an ErrorResponse, which the client gets as it was sent.</summary>
internal sealed class ShardLegFailedException(byte[] errorResponse, string shardId)
    : Exception($"Shard {shardId} reported an error for its part of a merged read.")
{
    /// <summary>The encoded ErrorResponse message.</summary>
    public byte[] ErrorResponse { get; } = errorResponse;
}
