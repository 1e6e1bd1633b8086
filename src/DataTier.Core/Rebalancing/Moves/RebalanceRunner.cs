using DataTier.Core.Caching;
using DataTier.Core.Diagnostics;
using DataTier.Core.Topology;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// Runs on every instance with the catalog topology: claims a running move whose lease has run out (a new one, or
/// one whose driver died) and drives it. A move started through this instance is claimed at once.
/// </summary>
public sealed partial class RebalanceRunner(
    MoveStore store,
    CatalogTopologyStore topologyStore,
    ITopologyProvider topology,
    IServiceProvider services,
    Diagnostics.DataTierMetrics metrics,
    IOptions<RebalancingOptions> options,
    ILogger<RebalanceRunner> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    /// <summary>This instance's name in move leases.</summary>
    public string Instance { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Looks for a move to drive now instead of at the next poll.</summary>
    public void Wake() => _wake.Release();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var versions = services.GetService<TableVersions>();
        Func<string, IEnumerable<string>, Task>? invalidate = versions is null ? null : (shard, tables) => versions.BumpAsync(shard, tables, 0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await store.ClaimAsync(Instance, options.Value.MoveLeaseSeconds, stoppingToken).ConfigureAwait(false) is { } move)
                {
                    await using var run = new MoveRun(move, Instance, options.Value, store, topologyStore, topology, invalidate, metrics, logger);
                    await run.RunAsync(stoppingToken).ConfigureAwait(false);
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException or Errors.DataTierException or MoveFailedException)
            {
                Log.RunnerFailed(logger, ex.GetType().Name, ex.Message);
            }

            try
            {
                await _wake.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.RebalanceRunnerFailed, EventName = "RebalanceRunnerFailed", Level = LogLevel.Warning, Message = "Looking for a rebalancing move to drive failed ({ExceptionType}: {Reason})")]
        public static partial void RunnerFailed(ILogger logger, string exceptionType, string reason);
    }
}
