using DataTier.Core.Catalog;
using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Topology;

/// <summary>
/// Routes by the topology stored in the catalog. On start it seeds the catalog from configuration (first instance
/// only) and loads the newest version before the server takes requests; then it follows new versions through
/// <c>LISTEN datatier_topology</c>, with a poll every <see cref="TopologyOptions.PollIntervalMs"/> as the fallback
/// for a lost connection or a missed notification. Each version is published as one immutable snapshot, so a request
/// routes by one version from start to end.
/// </summary>
public sealed partial class CatalogTopologyProvider : BackgroundService, ITopologyProvider
{
    private readonly CatalogTopologyStore _store;
    private readonly CatalogOptions _catalog;
    private readonly TopologyOptions _options;
    private readonly ILogger<CatalogTopologyProvider> _logger;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile TopologySnapshot _current;
    private long _loadsStarted;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Starts from the configured topology until the catalog's is loaded.</summary>
    public CatalogTopologyProvider(CatalogTopologyStore store, IOptions<CatalogOptions> catalog, IOptions<TopologyOptions> options, ILogger<CatalogTopologyProvider> logger)
    {
        _store = store;
        _catalog = catalog.Value;
        _options = options.Value;
        _logger = logger;
        _current = TopologySnapshot.FromOptions(_options, version: 0);
    }

    /// <inheritdoc />
    public TopologySnapshot Current => _current;

    /// <summary>Seeds and loads the catalog's topology; the server does not take requests before this returns.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var (version, document) = await _store.SeedAsync(TopologyDocument.FromOptions(_options), timeout.Token).ConfigureAwait(false);
        Publish(version, document);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
        // Take requests only once changes are heard as they happen (the poll alone could take PollIntervalMs and more);
        // if LISTEN cannot be set up in time, start anyway and rely on the poll meanwhile.
        try
        {
            await _listening.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.ListenFailed(_logger, nameof(TimeoutException), "LISTEN was not set up within 5 s of start");
        }
    }

    /// <summary>Loads the newest version now if it is newer than the one in force (after a change made here).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Callers that queued behind a load which started after they arrived take its result: a burst of writes
        // refused by a fence costs one catalog read, not one each.
        long arrived = Interlocked.Read(ref _loadsStarted);
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Interlocked.Read(ref _loadsStarted) > arrived)
            {
                return;
            }

            Interlocked.Increment(ref _loadsStarted);
            if (await _store.LoadLatestAsync(cancellationToken).ConfigureAwait(false) is { } latest && latest.Version > _current.Version)
            {
                Publish(latest.Version, latest.Document);
            }
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var listening = ListenAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(_options.PollIntervalMs));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                if (await _store.LatestVersionAsync(stoppingToken).ConfigureAwait(false) > _current.Version)
                {
                    await RefreshAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidDataException or System.Text.Json.JsonException)
            {
                Log.PollFailed(_logger, ex.GetType().Name, ex.Message);
            }
        }

        await listening.ConfigureAwait(false);
    }

    // One connection held open in LISTEN; on failure it reconnects after a pause (polling covers the gap).
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(_catalog.ConnectionString) { ApplicationName = "datatier-topology-listener", Pooling = false, KeepAlive = 10 };
                await using var conn = new NpgsqlConnection(builder.ConnectionString);
                await conn.OpenAsync(stoppingToken).ConfigureAwait(false);
                conn.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, out long version) && version > _current.Version)
                    {
                        _ = RefreshQuietlyAsync(stoppingToken);
                    }
                };
                await using (var listen = new NpgsqlCommand("LISTEN " + CatalogTopologyStore.Channel, conn))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                // A change committed between the load and the LISTEN would otherwise wait for the poll.
                await RefreshQuietlyAsync(stoppingToken).ConfigureAwait(false);
                _listening.TrySetResult();
                while (!stoppingToken.IsCancellationRequested)
                {
                    await conn.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException)
            {
                Log.ListenFailed(_logger, ex.GetType().Name, ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RefreshQuietlyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidDataException or System.Text.Json.JsonException or OperationCanceledException)
        {
            Log.PollFailed(_logger, ex.GetType().Name, ex.Message);
        }
    }

    private void Publish(long version, TopologyDocument document)
    {
        var snapshot = document.ToSnapshot(version);
        _current = snapshot;
        Log.VersionInForce(_logger, version, snapshot.Shards.Length, snapshot.PendingShards.Length);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _refresh.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.TopologyVersionInForce, EventName = "TopologyVersionInForce", Level = LogLevel.Information, Message = "Topology version {Version} in force: {Routed} shard(s) routing, {Pending} pending")]
        public static partial void VersionInForce(ILogger logger, long version, int routed, int pending);

        [LoggerMessage(EventId = LogEventIds.TopologyListenFailed, EventName = "TopologyListenFailed", Level = LogLevel.Warning, Message = "Listening for topology changes failed ({ExceptionType}: {Reason}); reconnecting, polling meanwhile")]
        public static partial void ListenFailed(ILogger logger, string exceptionType, string reason);

        [LoggerMessage(EventId = LogEventIds.TopologyPollFailed, EventName = "TopologyPollFailed", Level = LogLevel.Warning, Message = "Reading the topology from the catalog failed ({ExceptionType}: {Reason})")]
        public static partial void PollFailed(ILogger logger, string exceptionType, string reason);
    }
}
