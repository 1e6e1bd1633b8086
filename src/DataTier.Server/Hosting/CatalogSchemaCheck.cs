using DataTier.Core.Catalog;
using DataTier.Core.Diagnostics;
using DataTier.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Server.Hosting;

/// <summary>
/// Refuses to start against a catalog whose schema is behind this build (the jobs and the advisor would fail
/// later, in the middle of something); the message names the command that fixes it.
/// </summary>
public sealed partial class CatalogSchemaCheck(IOptions<CatalogOptions> options, ILogger<CatalogSchemaCheck> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.ConnectionString))
        {
            return;
        }

        long needed = SchemaVersion.Latest(MigrationSet.Catalog);
        long applied;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            applied = await SchemaVersion.AppliedAsync(options.Value.ConnectionString, timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // An unreachable catalog is a health problem (/health/ready says so), not a reason to stay down.
            Log.Unchecked(logger, e.Message);
            return;
        }

        if (applied < needed)
        {
            throw new InvalidOperationException(
                $"The catalog database's schema is at migration {applied}, and this DataTier needs {needed}. Run `datatier migrate catalog` (or `./datatier migrate catalog` in the repository), then start DataTier again.");
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.CatalogSchemaUnchecked, EventName = "CatalogSchemaUnchecked", Level = LogLevel.Warning, Message = "Could not check the catalog's schema version at start-up: {Reason}")]
        public static partial void Unchecked(ILogger logger, string reason);
    }
}
