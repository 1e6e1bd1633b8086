using Npgsql;

namespace DataTier.Core.Advice.Validation;

/// <summary>
/// Builds one recommended index on the canary shard's primary. The host supplies the migrations' safe builder
/// (<c>CREATE INDEX CONCURRENTLY</c> with a lock timeout, retries, an INVALID leftover rebuilt); Core only needs the seam.
/// </summary>
public interface ICanaryIndexBuilder
{
    /// <summary>Runs <paramref name="createSql"/> on <paramref name="connection"/> (open, outside any transaction).</summary>
    Task BuildAsync(NpgsqlConnection connection, string createSql, CancellationToken cancellationToken);
}
