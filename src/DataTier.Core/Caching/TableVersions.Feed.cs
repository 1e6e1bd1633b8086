using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace DataTier.Core.Caching;

// The invalidation feed: one ordered subscription to the channel every bump publishes on, and a heartbeat this
// instance publishes on the same channel. Redis runs commands one at a time and delivers a channel's messages to a
// subscriber in the order it ran the PUBLISHes, so when a heartbeat sent at t comes back, every bump that completed
// before t has been applied here: the versions in memory are current as of t. A write's answer is released only
// after its bump completed, so a hit decided at `now` misses no write answered before `now - MaxStalenessMs` while
// `now - t` stays under the bound.
//
// The feed is trusted per epoch. A connection failure starts a new epoch: messages may have been lost, so versions
// tracked before it stop counting (they are read from Redis again, then tracked in the new epoch), and entries
// cached before the failure are not served any more (another instance's writes during the outage never reached us).
// A heartbeat of the current epoch coming back proves the subscription live again.
//
// On a Redis Cluster (FeedLayout) the argument holds per feed partition: a partition's bumps and its heartbeats are
// SPUBLISHed on one node (the owner of the partition's slot), so they come back in the order that node ran them.
// A heartbeat round sends one beat per partition; the feed is live once every partition's beat of the epoch came
// back, and fresh as of the oldest partition's newest beat. So the bound is unchanged: every write whose bump
// completed before that instant, on any node, is in memory. A failover (a master killed, its replica promoted)
// drops that node's connection, which starts a new epoch like any failure: hits check Redis until every partition,
// including those now on the promoted replica, has answered again.
public sealed partial class TableVersions
{
    private const string HeartbeatTag = "\u0001hb";
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly long _staleAfterTicks;
    private readonly int[] _partitionLiveEpoch;
    private readonly long[] _partitionFreshAsOf;
    private readonly Lock _beats = new();
    private ChannelMessageQueue?[] _queues = [];
    private Thread? _heartbeat;
    private const int ResyncRetryMs = 250;
    private readonly SemaphoreSlim _resync = new(1, 1);
    private volatile bool _stopped;
    private int _epoch;
    private int _liveEpoch = -1;
    // Stopwatch timestamp at which the newest heartbeat of the live epoch was sent.
    private long _freshAsOf;
    private long _distrustBeforeTicks = DateTimeOffset.MinValue.UtcTicks;

    /// <summary>
    /// Entries created before this instant are not served: a connection failure to Redis happened after them, and
    /// writes made through other instances while it lasted may never have been announced.
    /// </summary>
    public DateTimeOffset TrustEntriesFrom => new(Volatile.Read(ref _distrustBeforeTicks), TimeSpan.Zero);

    /// <summary>Milliseconds since the newest heartbeat that came back was sent (how stale a memory decision could be); null while the feed is down.</summary>
    public double? FeedAgeMs => Volatile.Read(ref _liveEpoch) == Volatile.Read(ref _epoch) && _redis.IsConfigured
        ? Stopwatch.GetElapsedTime(Volatile.Read(ref _freshAsOf)).TotalMilliseconds
        : null;

    private bool FeedIsFresh() =>
        Volatile.Read(ref _liveEpoch) == Volatile.Read(ref _epoch) && Stopwatch.GetTimestamp() - Volatile.Read(ref _freshAsOf) <= _staleAfterTicks;

    private void StartFeed(ConnectionMultiplexer mux)
    {
        mux.ConnectionFailed += (_, e) => Break(e.FailureType.ToString());
        _redis.Restored += () => _ = ResyncAsync();
        // Asynchronous and never thrown: Redis may be down at start-up, and the multiplexer re-subscribes by itself
        // when it reconnects; until a heartbeat comes back, hits check Redis.
        _ = SubscribeAsync(mux);
        _heartbeat = new Thread(HeartbeatLoop) { IsBackground = true, Name = "datatier-cache-heartbeat" };
        _heartbeat.Start(mux);
    }

    private void Break(string reason)
    {
        Interlocked.Increment(ref _epoch);
        Volatile.Write(ref _distrustBeforeTicks, _time.GetUtcNow().UtcTicks);

        _metrics.FeedBreaks.Inc();
        Log.FeedBroken(_logger, reason);
    }

    // A dedicated thread: under load the thread pool's timers run late, and a late heartbeat only costs hits their
    // memory path, never correctness. Fire and forget: the proof is the message coming back, not the reply.
    private void HeartbeatLoop(object? state)
    {
        var mux = (ConnectionMultiplexer)state!;
        var subscriber = mux.GetSubscriber();
        int interval = Math.Max(1, _options.HeartbeatIntervalMs);
        while (!_stopped)
        {
            if (mux.IsConnected)
            {
                try
                {
                    int epoch = Volatile.Read(ref _epoch);
                    long sentAt = Stopwatch.GetTimestamp();
                    var channels = _layout.Channels;
                    for (int p = 0; p < channels.Length; p++)
                    {
                        string beat = string.Create(CultureInfo.InvariantCulture, $"{HeartbeatTag}\t{_instance}\t{epoch}\t{sentAt}\t{p}");
                        subscriber.Publish(channels[p], beat, CommandFlags.FireAndForget);
                    }
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                {
                    // The feed turns stale by itself; the connection events say why.
                }
            }

            // Sampled here, off the request path: the connection events fire per connection (interactive and
            // subscription), while IsConnected is the multiplexer's own answer.
            _metrics.RedisUp.Set(mux.IsConnected ? 1 : 0);
            _metrics.FeedAge.Set(FeedAgeMs is double age ? age / 1000 : -1);
            Thread.Sleep(interval);
        }
    }

    private async Task SubscribeAsync(ConnectionMultiplexer mux)
    {
        try
        {
            // A message queue, not a handler: handlers may run concurrently, and the feed's proof rests on order
            // (per channel: partitions are independent of each other).
            var channels = _layout.Channels;
            var queues = new ChannelMessageQueue?[channels.Length];
            _queues = queues;
            for (int p = 0; p < channels.Length; p++)
            {
                queues[p] = await mux.GetSubscriber().SubscribeAsync(channels[p]).ConfigureAwait(false);
                queues[p]!.OnMessage(OnMessage);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _metrics.RedisErrors.Inc();
            _stats.RedisError();
            Log.RedisCallFailed(_logger, "subscribe", ex.GetType().Name);
        }
    }

    private void OnMessage(ChannelMessage message)
    {
        string? text = message.Message;
        if (text is null)
        {
            return;
        }

        var parts = text.Split('\t');
        if (parts.Length == 5 && parts[0] == HeartbeatTag)
        {
            OnHeartbeat(parts);
            return;
        }

        if (parts.Length != 4
            || !long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long version)
            || !ulong.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong lsn))
        {
            return;
        }

        var heard = new TableVersion(version, lsn);
        // A pair first heard of here is tracked from now on only if the feed is live: then no later bump can be missed.
        int epoch = Volatile.Read(ref _epoch);
        int tracking = Volatile.Read(ref _liveEpoch) == epoch ? epoch : -1;
        _local.AddOrUpdate((parts[0], parts[1]), static (_, s) => new TrackedVersion(s.heard, s.tracking), static (_, v, s) => v.Merge(s.heard), (heard, tracking));
    }

    private void OnHeartbeat(string[] parts)
    {
        if (parts[1] != _instance
            || !int.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch)
            || !long.TryParse(parts[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long sentAt)
            || !int.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out int partition)
            || (uint)partition >= (uint)_partitionLiveEpoch.Length)
        {
            // Another instance's: it proves nothing about this one's subscription.
            return;
        }

        // Partitions arrive on their own queues, concurrently; a beat every few milliseconds per partition, off the
        // request path, so a lock is cheap and keeps the aggregate consistent.
        lock (_beats)
        {
            if (epoch != Volatile.Read(ref _epoch))
            {
                // Sent before the last failure: it proves nothing about the current epoch.
                return;
            }

            if (_partitionLiveEpoch[partition] != epoch)
            {
                _partitionLiveEpoch[partition] = epoch;
                _partitionFreshAsOf[partition] = sentAt;
            }
            else if (sentAt > _partitionFreshAsOf[partition])
            {
                _partitionFreshAsOf[partition] = sentAt;
            }

            long freshAsOf = long.MaxValue;
            for (int p = 0; p < _partitionLiveEpoch.Length; p++)
            {
                if (_partitionLiveEpoch[p] != epoch)
                {
                    // A partition has not answered in this epoch yet: its bumps may be lost, so the feed is not live.
                    return;
                }

                freshAsOf = Math.Min(freshAsOf, _partitionFreshAsOf[p]);
            }

            // Fresh-as-of first, then the epoch: a reader that sees the epoch live also sees its timestamp.
            Volatile.Write(ref _freshAsOf, freshAsOf);
            if (Volatile.Read(ref _liveEpoch) != epoch)
            {
                Volatile.Write(ref _liveEpoch, epoch);
                Log.FeedLive(_logger, epoch);
            }
        }
    }

    // A reconnection is announced before the server can take writes again: a Redis Cluster answers CLUSTERDOWN
    // until its nodes agree, a promoted replica may still be catching up. The merge must still happen (without it,
    // versions this instance bumped during the outage never reach the others, and a version Redis lost in a restart
    // would restart below what this instance holds), so a failed pass is retried until one completes. One pass at a
    // time: a reconnection during a pass queues one more.
    private async Task ResyncAsync()
    {
        await _resync.WaitAsync().ConfigureAwait(false);
        try
        {
            while (!_stopped && !await ResyncPassAsync().ConfigureAwait(false))
            {
                await Task.Delay(ResyncRetryMs).ConfigureAwait(false);
            }
        }
        finally
        {
            _resync.Release();
        }
    }

    private async Task<bool> ResyncPassAsync()
    {
        if (_redis.Database is not { } db)
        {
            // Not connected: the next Restored starts another pass.
            return true;
        }

        foreach (var (key, tracked) in _local.ToArray())
        {
            var version = tracked.Version;
            try
            {
                int partition = _layout.Partition(key.Shard, key.Table);
                var redisKey = _layout.VersionKey(partition, key.Shard, key.Table);
                long remote = (long)await db.ScriptEvaluateAsync(_mergeScript, [redisKey],
                    [version.Version, (long)version.WriteLsn, _layout.Channels[partition].ToString(), key.Shard + "\t" + key.Table]).ConfigureAwait(false);
                var values = await db.HashGetAsync(redisKey, ["v", "l"]).ConfigureAwait(false);
                var merged = new TableVersion(remote, values[1].HasValue ? (ulong)(long)values[1] : version.WriteLsn);
                _local.AddOrUpdate(key, static (_, m) => new TrackedVersion(m, -1), static (_, v, m) => v.Merge(m), merged);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _metrics.RedisErrors.Inc();
                _stats.RedisError();
                Log.RedisCallFailed(_logger, "version resync", ex.GetType().Name);
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopped = true;
        // Fire and forget: the connection closes right after, which ends the subscription anyway.
        if (_redis.Multiplexer is { } mux)
        {
            foreach (var channel in _layout.Channels)
            {
                mux.GetSubscriber().Unsubscribe(channel, flags: CommandFlags.FireAndForget);
            }
        }
    }
}
