using DataTier.Core.Catalog;
using DataTier.Core.Diagnostics;
using DataTier.Core.Nodes;
using DataTier.Core.Rebalancing;
using DataTier.Core.Topology;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DataTier.Core.Ownership;

/// <summary>
/// Keeps every shard's ownership guard on the routing ring of the topology in force: at start-up, after every
/// topology version, and every <see cref="RecheckInterval"/> (a restored shard, a table registered later). Each
/// instance does it; the shard's <c>set_ring</c> moves forward only and changes nothing when it already follows the
/// version, so instances never undo one another or a move's switch. An instance behind the catalog waits for its
/// topology to catch up. A guard ahead of the catalog is either a move's switch being committed (a transition, for
/// a few seconds) or a catalog whose versions went back (restored, or reset): the latter is replaced.
/// </summary>
public sealed partial class OwnershipGuardSynchronizer : BackgroundService
{
    /// <summary>How often every shard is checked again although the topology did not change.</summary>
    public static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a transition ahead of the catalog counts as a switch in flight.</summary>
    public static readonly TimeSpan TransitionGrace = TimeSpan.FromSeconds(60);

    private readonly ITopologyProvider _topology;
    private readonly CatalogTopologyStore _store;
    private readonly CatalogDatabase _catalog;
    private readonly NodeDataSources _nodes;
    private readonly DataTierMetrics _metrics;
    private readonly ILogger<OwnershipGuardSynchronizer> _logger;
    private readonly TaskCompletionSource _firstSync = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the synchronizer.</summary>
    public OwnershipGuardSynchronizer(ITopologyProvider topology, CatalogTopologyStore store, CatalogDatabase catalog, NodeDataSources nodes, DataTierMetrics metrics, ILogger<OwnershipGuardSynchronizer> logger)
    {
        _topology = topology;
        _store = store;
        _catalog = catalog;
        _nodes = nodes;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Completes once every shard's guard has followed a topology version (tests and start-up checks).</summary>
    public Task FirstSync => _firstSync.Task;

    /// <summary>
    /// Brings every shard of the topology in force up to it now; returns the shards that could not be reached (or
    /// every shard, when this instance's topology is behind the catalog's and must catch up first).
    /// </summary>
    public async Task<IReadOnlyList<string>> SyncAsync(CancellationToken ct)
    {
        var snapshot = _topology.Current;
        var shards = snapshot.Shards.Concat(snapshot.PendingShards).ToList();
        if (await _store.LatestVersionAsync(ct).ConfigureAwait(false) > snapshot.Version)
        {
            return shards.Select(s => s.Id).ToList();
        }

        var tables = await ShardedTableCatalog.ReadAsync(_catalog, ct).ConfigureAwait(false);
        var ring = GuardRing.Of(snapshot.Ring);
        var failed = new List<string>();
        foreach (var shard in shards)
        {
            try
            {
                await SyncShardAsync(shard, snapshot.Version, ring, tables, ct).ConfigureAwait(false);
                _metrics.OwnershipGuardVersion.WithLabels(shard.Id).Set(snapshot.Version);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or InvalidOperationException && !ct.IsCancellationRequested)
            {
                failed.Add(shard.Id);
                Log.SyncFailed(_logger, shard.Id, snapshot.Version, ex.GetType().Name, ex.Message);
            }
        }

        return failed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long synced = -1;
        DateTimeOffset due = DateTimeOffset.MinValue;
        using var timer = new PeriodicTimer(Tick);
        do
        {
            long version = _topology.Current.Version;
            if (version == synced && DateTimeOffset.UtcNow < due)
            {
                continue;
            }

            try
            {
                var failed = await SyncAsync(stoppingToken).ConfigureAwait(false);
                if (failed.Count == 0)
                {
                    synced = version;
                    due = DateTimeOffset.UtcNow + RecheckInterval;
                    _firstSync.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or IOException or Errors.DataTierException && !stoppingToken.IsCancellationRequested)
            {
                // The catalog is out of reach: the guards keep the ring they have, which is the last one in force.
                Log.SyncFailed(_logger, "(catalog)", version, ex.GetType().Name, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task SyncShardAsync(ShardDefinition shard, long version, GuardRing ring, IReadOnlyList<ShardedTable> tables, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(15));
        await using var conn = await _nodes.Get(shard.Primary).OpenConnectionAsync(timeout.Token).ConfigureAwait(false);
        var unguarded = await OwnershipGuard.UnguardedAsync(conn, tables, timeout.Token).ConfigureAwait(false);
        if (unguarded.Count > 0)
        {
            await OwnershipGuard.InstallAsync(conn, unguarded, timeout.Token).ConfigureAwait(false);
            Log.Installed(_logger, shard.Id, string.Join(", ", unguarded.Select(t => t.Name)));
        }

        var state = await OwnershipGuard.ReadAsync(conn, timeout.Token).ConfigureAwait(false);
        bool force = false;
        if (state is not null)
        {
            if (state.Version == version && state.Fingerprint == ring.Fingerprint && state.Shard == shard.Id)
            {
                return;
            }

            if (state.Version > version)
            {
                bool switching = state.Fingerprint.StartsWith(GuardRing.TransitionPrefix, StringComparison.Ordinal)
                    && state.Version == version + 1 && DateTime.UtcNow - state.SetAt.ToUniversalTime() < TransitionGrace;
                // Read again: a switch may have committed since this round began, and then the guard is right.
                if (switching || await _store.LatestVersionAsync(timeout.Token).ConfigureAwait(false) >= state.Version)
                {
                    return;
                }

                force = true;
                Log.CatalogWentBack(_logger, shard.Id, state.Version, version);
            }
        }

        if (await OwnershipGuard.SetRingAsync(conn, shard.Id, version, ring, force, timeout.Token).ConfigureAwait(false))
        {
            Log.Followed(_logger, shard.Id, version);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.OwnershipGuardFollowed, EventName = "OwnershipGuardFollowed", Level = LogLevel.Information, Message = "Shard {ShardId}'s ownership guard follows topology version {Version}")]
        public static partial void Followed(ILogger logger, string shardId, long version);

        [LoggerMessage(EventId = LogEventIds.OwnershipGuardInstalled, EventName = "OwnershipGuardInstalled", Level = LogLevel.Information, Message = "Ownership guard put on shard {ShardId}'s tables {Tables}")]
        public static partial void Installed(ILogger logger, string shardId, string tables);

        [LoggerMessage(EventId = LogEventIds.OwnershipGuardCatalogWentBack, EventName = "OwnershipGuardCatalogWentBack", Level = LogLevel.Warning, Message = "Shard {ShardId}'s ownership guard follows topology version {GuardVersion}, which the catalog does not have (its newest is {CatalogVersion}: restored or reset?); the guard follows the catalog again")]
        public static partial void CatalogWentBack(ILogger logger, string shardId, long guardVersion, long catalogVersion);

        [LoggerMessage(EventId = LogEventIds.OwnershipGuardSyncFailed, EventName = "OwnershipGuardSyncFailed", Level = LogLevel.Warning, Message = "Could not bring shard {ShardId}'s ownership guard to topology version {Version} ({ExceptionType}: {Reason}); retrying")]
        public static partial void SyncFailed(ILogger logger, string shardId, long version, string exceptionType, string reason);
    }
}
