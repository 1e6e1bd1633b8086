using System.Collections.Frozen;
using System.Diagnostics;
using DataTier.Core.Catalog;
using DataTier.Core.Health;
using DataTier.Core.Rebalancing;
using DataTier.Core.Rebalancing.Moves;
using DataTier.Core.Topology;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Switchover;

/// <summary>
/// A planned switchover of a shard's primary to one of its replicas, with no failed write: the shard's writes are
/// held by the rebalancer's write fence (the capture trigger refuses them with DTM01 and <c>ShardWriter</c> retries
/// them by the newest topology), the target replays everything the primary wrote, is promoted, becomes the primary in
/// a new topology version (the change a followed failover makes, so the old primary is kept as "replaced": probed,
/// never routed to) and the held writes go on there. The old primary stays fenced, so that nothing, not even an
/// instance on a stale topology, writes to it.
/// </summary>
public sealed partial class ShardSwitchover
{
    /// <summary>
    /// The fence's registration in <c>datatier_move.sources</c>: negative like a move's target watch, and far below any
    /// move id negated. Its one threshold (the smallest ring position) puts every row in a "moving" segment.
    /// </summary>
    internal const long FenceId = -1_000_000_000_000;

    private static readonly long[] AllRows = [long.MinValue];
    private static readonly string?[] ToSwitchover = ["switchover", "switchover"];

    private readonly CatalogTopologyProvider _provider;
    private readonly CatalogTopologyStore _store;
    private readonly CatalogDatabase _catalog;
    private readonly NodeHealthMonitor _health;
    private readonly RebalancePlanner _planner;
    private readonly IPromoter _promoter;
    private readonly SwitchoverOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ShardSwitchover> _logger;

    /// <summary>Creates the switchover runner; the configured promoter is resolved here, once.</summary>
    public ShardSwitchover(CatalogTopologyProvider provider, CatalogTopologyStore store, CatalogDatabase catalog, NodeHealthMonitor health, RebalancePlanner planner,
        IEnumerable<IPromoter> promoters, IOptions<SwitchoverOptions> options, TimeProvider time, ILogger<ShardSwitchover> logger)
    {
        _provider = provider;
        _store = store;
        _catalog = catalog;
        _health = health;
        _planner = planner;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var byName = promoters.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        _promoter = byName.TryGetValue(_options.Promoter, out var promoter)
            ? promoter
            : throw new InvalidOperationException($"DataTier:Switchover:Promoter is '{_options.Promoter}'; use one of {string.Join(", ", byName.Keys)}.");
    }

    /// <summary>
    /// Switches <paramref name="shardId"/>'s primary to the replica <paramref name="to"/> (a node id such as
    /// <c>s1-replica1</c>, or its host:port/database; null: the healthy replica least behind). Refusals (nothing
    /// changed, no write held for long) are <see cref="TopologyChangeException"/>s with stable codes.
    /// </summary>
    public async Task<SwitchoverResult> RunAsync(string shardId, string? to, CancellationToken cancellationToken)
    {
        if (await _store.LoadLatestAsync(cancellationToken).ConfigureAwait(false) is null)
        {
            throw Refused("topology-not-in-catalog", "The catalog holds no topology yet; start a DataTier instance with DataTier:Topology:Store = Catalog to seed it.");
        }

        await _provider.RefreshAsync(cancellationToken).ConfigureAwait(false);
        var snapshot = _provider.Current;
        var shard = snapshot.Shards.Concat(snapshot.PendingShards).FirstOrDefault(s => s.Id == shardId)
            ?? throw Refused("unknown-shard", $"There is no shard '{shardId}'; the shards are {string.Join(", ", snapshot.Shards.Concat(snapshot.PendingShards).Select(s => s.Id))}.");
        var target = PickTarget(shard, to);

        await using var catalog = await _catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (!await ScalarAsync<bool>(catalog, "select pg_try_advisory_lock(hashtext('datatier.switchover'))", cancellationToken).ConfigureAwait(false))
        {
            throw Refused("switchover-running", "Another switchover is running; wait for it to finish.");
        }

        try
        {
            if (await ScalarAsync<bool>(catalog, "select exists (select 1 from datatier.rebalance_moves where state = 'running')", cancellationToken).ConfigureAwait(false))
            {
                throw Refused("rebalance-running", "A rebalancing move is running and fences writes of its own; wait for it (GET /admin/rebalance) or cancel it, then switch over.");
            }

            return await SwitchAsync(shard, target, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock(hashtext('datatier.switchover'))", catalog);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private NodeDefinition PickTarget(ShardDefinition shard, string? to)
    {
        if (to is not null)
        {
            var named = shard.Replicas.FirstOrDefault(r => string.Equals(r.Id, to, StringComparison.OrdinalIgnoreCase) || string.Equals(r.Endpoint, to, StringComparison.OrdinalIgnoreCase))
                ?? throw Refused("not-a-replica", $"'{to}' is not a replica of shard '{shard.Id}'; its replicas are {(shard.Replicas.IsEmpty ? "none" : string.Join(", ", shard.Replicas.Select(r => $"{r.Id} ({r.Endpoint})")))}.");
            var health = _health.Get(named);
            return health.Reachable && health.InRecovery
                ? named
                : throw Refused("no-healthy-replica", $"{named.Id} ({named.Endpoint}) is {(health.Reachable ? "not in recovery" : $"unreachable ({health.LastError})")}: only a healthy standby can take over.");
        }

        return shard.Replicas.Select(r => (Node: r, Health: _health.Get(r))).Where(r => r.Health.Reachable && r.Health.InRecovery).OrderBy(r => r.Health.LagBytes).Select(r => r.Node).FirstOrDefault()
            ?? throw Refused("no-healthy-replica", $"Shard '{shard.Id}' has no healthy replica to switch over to ({shard.Replicas.Length} listed, none reachable and in recovery).");
    }

    private async Task<SwitchoverResult> SwitchAsync(ShardDefinition shard, NodeDefinition target, CancellationToken cancellationToken)
    {
        var tables = await _planner.ShardedTablesAsync(cancellationToken).ConfigureAwait(false);
        await using var primary = await OpenAsync(shard.Primary, "primary-unavailable", cancellationToken).ConfigureAwait(false);
        await using var standby = await OpenAsync(target, "no-healthy-replica", cancellationToken).ConfigureAwait(false);

        long lag = await LagBytesAsync(primary, standby, cancellationToken).ConfigureAwait(false);
        if (lag > _options.MaxLagBytes)
        {
            throw Refused("replica-lagging", $"{target.Id} is {lag} bytes of WAL behind the primary, more than DataTier:Switchover:MaxLagBytes ({_options.MaxLagBytes}); wait for it to catch up.");
        }

        int oldTimeline = await TimelineAsync(primary, cancellationToken).ConfigureAwait(false);
        long fenced = Stopwatch.GetTimestamp();
        double catchUpMs;
        try
        {
            await ShardMoveOperations.RegisterAsync(primary, FenceId, AllRows, ToSwitchover, cancellationToken).ConfigureAwait(false);
            await ShardMoveOperations.InstallTriggersAsync(primary, tables, cancellationToken).ConfigureAwait(false);
            fenced = Stopwatch.GetTimestamp();
            await ShardMoveOperations.FenceAsync(primary, FenceId, _options.MaxWritePauseMs, cancellationToken).ConfigureAwait(false);
            Log.Fenced(_logger, shard.Id, target.Id);
            string lsn = await ScalarAsync<string>(primary, "select pg_current_wal_lsn()::text", cancellationToken).ConfigureAwait(false);
            long caughtUp = Stopwatch.GetTimestamp();
            await using var replayed = new NpgsqlCommand("select pg_last_wal_replay_lsn() >= @l::pg_lsn", standby) { Parameters = { new("l", lsn) } };
            while (!(bool)(await replayed.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                if (Stopwatch.GetElapsedTime(fenced).TotalMilliseconds > _options.MaxWritePauseMs)
                {
                    throw Refused("replica-lagging", $"{target.Id} had not replayed the primary's last write (LSN {lsn}) within DataTier:Switchover:MaxWritePauseMs ({_options.MaxWritePauseMs} ms); the fence is lifted and nothing changed.");
                }

                await Task.Delay(2, cancellationToken).ConfigureAwait(false);
            }

            catchUpMs = Stopwatch.GetElapsedTime(caughtUp).TotalMilliseconds;
        }
        catch (Exception ex) when (ex is TopologyChangeException or NpgsqlException or OperationCanceledException)
        {
            // Nothing is promoted yet: the old primary takes the held writes again.
            await ShardMoveOperations.RemoveCaptureAsync(primary, FenceId, tables, CancellationToken.None).ConfigureAwait(false);
            Log.Abandoned(_logger, shard.Id, target.Id, Stopwatch.GetElapsedTime(fenced).TotalMilliseconds, ex.Message);
            if (ex is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable })
            {
                throw Refused("writes-in-flight", $"In-flight writes on shard '{shard.Id}' did not finish within DataTier:Switchover:MaxWritePauseMs ({_options.MaxWritePauseMs} ms); the fence is lifted and nothing changed.");
            }

            throw;
        }

        long promoting = Stopwatch.GetTimestamp();
        try
        {
            await _promoter.PromoteAsync(target, TimeSpan.FromMilliseconds(_options.PromoteTimeoutMs), cancellationToken).ConfigureAwait(false);
        }
        catch (PromotionNotPermittedException ex)
        {
            await ShardMoveOperations.RemoveCaptureAsync(primary, FenceId, tables, CancellationToken.None).ConfigureAwait(false);
            Log.Abandoned(_logger, shard.Id, target.Id, Stopwatch.GetElapsedTime(fenced).TotalMilliseconds, ex.Message);
            throw Refused("promotion-not-permitted", ex.Message);
        }

        double promoteMs = Stopwatch.GetElapsedTime(promoting).TotalMilliseconds;

        // The target replayed the fence, so it is fenced too: lifted there before routing moves, so that the held
        // writes go through as soon as each instance loads the new version. The old primary keeps its fence. Only
        // the registration is deleted inside the pause; the triggers (DDL that waits for locks) go after it.
        await using var promoted = await OpenAsync(target, "no-healthy-replica", cancellationToken).ConfigureAwait(false);
        int timeline = await TimelineAsync(promoted, cancellationToken).ConfigureAwait(false);
        await ShardMoveOperations.UnregisterAsync(promoted, FenceId, CancellationToken.None).ConfigureAwait(false);

        long version = await RecordAsync(shard, target, timeline, oldTimeline, cancellationToken).ConfigureAwait(false);
        double pauseMs = Stopwatch.GetElapsedTime(fenced).TotalMilliseconds;
        await ShardMoveOperations.RemoveCaptureAsync(promoted, FenceId, tables, CancellationToken.None).ConfigureAwait(false);
        Log.Switched(_logger, shard.Id, shard.Primary.Endpoint, target.Endpoint, timeline, version, pauseMs, catchUpMs, promoteMs);
        return new SwitchoverResult(shard.Id, shard.Primary.Endpoint, target.Endpoint, version, timeline, Math.Round(pauseMs, 1), Math.Round(catchUpMs, 1), Math.Round(promoteMs, 1), _promoter.Name);
    }

    // The change a followed failover makes; the failover follower of some instance may see the promotion and write it
    // first, which is the same outcome.
    private async Task<long> RecordAsync(ShardDefinition shard, NodeDefinition target, int timeline, int oldTimeline, CancellationToken cancellationToken)
    {
        try
        {
            var (version, _) = await _store.ChangeAsync(
                document => TopologyChanges.FollowPromotion(document, shard.Id, shard.Primary.ConnectionString, target.ConnectionString, timeline, oldTimeline, _time.GetUtcNow()),
                CancellationToken.None).ConfigureAwait(false);
            await _provider.RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            return version;
        }
        catch (TopologyChangeException ex) when (ex.Code == "primary-changed")
        {
            await _provider.RefreshAsync(CancellationToken.None).ConfigureAwait(false);
            var now = _provider.Current;
            if (now.ShardsById.TryGetValue(shard.Id, out var current) && current.Primary.ConnectionString == target.ConnectionString)
            {
                return now.Version;
            }

            throw;
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(NodeDefinition node, string refusal, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(node.ConnectionString) { Pooling = false, Timeout = 5, CommandTimeout = 30, ApplicationName = "datatier-switchover" };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
            return conn;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw Refused(refusal, $"{node.Id} ({node.Endpoint}) cannot be reached: {ex.Message}");
        }
    }

    private static async Task<long> LagBytesAsync(NpgsqlConnection primary, NpgsqlConnection standby, CancellationToken cancellationToken)
    {
        string current = await ScalarAsync<string>(primary, "select pg_current_wal_lsn()::text", cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("select coalesce((@l::pg_lsn - pg_last_wal_replay_lsn())::int8, 9223372036854775807)", standby) { Parameters = { new("l", current) } };
        return Math.Max(0, (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
    }

    // As the health probe reads it: from the current WAL file's name, which changes at promotion (the control file
    // keeps the old timeline until the next checkpoint).
    private static Task<int> TimelineAsync(NpgsqlConnection conn, CancellationToken cancellationToken) =>
        ScalarAsync<int>(conn, "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int", cancellationToken);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection conn, string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static TopologyChangeException Refused(string code, string message) => new(code, message, conflict: true);

    private static partial class Log
    {
        [LoggerMessage(EventId = Diagnostics.LogEventIds.SwitchoverFenced, EventName = "SwitchoverFenced", Level = LogLevel.Information,
            Message = "Switchover of shard {ShardId} to {Target}: writes are held by the fence while the target catches up")]
        public static partial void Fenced(ILogger logger, string shardId, string target);

        [LoggerMessage(EventId = Diagnostics.LogEventIds.SwitchoverDone, EventName = "SwitchoverDone", Level = LogLevel.Warning,
            Message = "Shard {ShardId} switched over from {From} to {To} (timeline {Timeline}, topology version {Version}): writes held {PauseMs:0} ms (catch-up {CatchUpMs:0} ms, promotion {PromoteMs:0} ms); the old primary stays fenced until it is rewound and re-added as a replica")]
        public static partial void Switched(ILogger logger, string shardId, string from, string to, int timeline, long version, double pauseMs, double catchUpMs, double promoteMs);

        [LoggerMessage(EventId = Diagnostics.LogEventIds.SwitchoverAbandoned, EventName = "SwitchoverAbandoned", Level = LogLevel.Warning,
            Message = "Switchover of shard {ShardId} to {Target} abandoned before the promotion, after holding writes {HeldMs:0} ms (fence lifted, primary unchanged): {Reason}")]
        public static partial void Abandoned(ILogger logger, string shardId, string target, double heldMs, string reason);
    }
}
