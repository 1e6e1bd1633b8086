using DataTier.Core.Advice.Validation;
using DataTier.Migrations.Indexes;
using Npgsql;

namespace DataTier.Server.Advice;

/// <summary>
/// Builds the advisor's canary index with the migrations' <see cref="ConcurrentIndexBuilder"/>, the one
/// <c>datatier migrate shards</c> applies advice with, so the canary is built exactly as the real rollout will be.
/// </summary>
internal sealed class SafeCanaryIndexBuilder : ICanaryIndexBuilder
{
    /// <inheritdoc />
    public Task BuildAsync(NpgsqlConnection connection, string createSql, CancellationToken cancellationToken) =>
        // The builder is synchronous (it runs inside FluentMigrator); a build can take minutes, so off the request thread.
        Task.Run(() => ConcurrentIndexBuilder.Build(connection, createSql), cancellationToken);
}
