using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DataTier.Core.Caching;

/// <summary>
/// The shared Redis connection. It never blocks start-up or a request on Redis being up: the multiplexer
/// reconnects by itself in the background, and callers check <see cref="IsAvailable"/> and bound every call.
/// </summary>
public sealed partial class RedisConnection : IAsyncDisposable
{
    private readonly ConnectionMultiplexer? _multiplexer;
    private readonly ILogger<RedisConnection> _logger;

    /// <summary>Connects when Redis is configured.</summary>
    public RedisConnection(IOptions<RedisOptions> options, IOptions<CacheOptions> cacheOptions, ILogger<RedisConnection> logger)
    {
        _logger = logger;
        Prefix = options.Value.KeyPrefix;
        IsCluster = options.Value.Cluster;
        if (string.IsNullOrWhiteSpace(options.Value.Configuration))
        {
            return;
        }

        var config = ConfigurationOptions.Parse(options.Value.Configuration);
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = Math.Max(100, cacheOptions.Value.RedisTimeoutMs * 4);
        config.SyncTimeout = cacheOptions.Value.RedisTimeoutMs;
        config.AsyncTimeout = cacheOptions.Value.RedisTimeoutMs;
        config.ConnectRetry = 1;
        config.ReconnectRetryPolicy = new LinearRetry(500);
        config.ClientName = "datatier";
        _multiplexer = ConnectionMultiplexer.Connect(config);
        _multiplexer.ConnectionFailed += (_, e) => Log.RedisConnectionFailed(_logger, e.FailureType.ToString());
        _multiplexer.ConnectionRestored += (_, e) =>
        {
            Log.RedisConnectionRestored(_logger, e.ConnectionType.ToString());
            if (e.ConnectionType == ConnectionType.Subscription || e.ConnectionType == ConnectionType.Interactive)
            {
                Restored?.Invoke();
            }
        };
        WarnOnClusterMismatch(_multiplexer, IsCluster);
    }

    /// <summary>Key and channel prefix.</summary>
    public string Prefix { get; }

    /// <summary>Whether <see cref="RedisOptions.Cluster"/> is on: versions and the feed use the cluster layout (<see cref="FeedLayout"/>).</summary>
    public bool IsCluster { get; }

    /// <summary>Whether Redis is configured at all.</summary>
    public bool IsConfigured => _multiplexer is not null;

    /// <summary>Whether Redis is configured and connected right now.</summary>
    public bool IsAvailable => _multiplexer?.IsConnected == true;

    /// <summary>The multiplexer, when configured.</summary>
    public ConnectionMultiplexer? Multiplexer => _multiplexer;

    /// <summary>Raised when a connection to Redis is restored.</summary>
    public event Action? Restored;

    /// <summary>The database, when connected.</summary>
    public IDatabase? Database => IsAvailable ? _multiplexer!.GetDatabase() : null;

    // The layout is configured, not detected (every instance must agree even when Redis is down at start-up), so a
    // configuration that disagrees with the servers that did answer is said out loud: on a cluster without the
    // setting, the feed's freshness proof no longer holds (a broadcast PUBLISH can be overtaken by a heartbeat).
    private void WarnOnClusterMismatch(ConnectionMultiplexer multiplexer, bool configured)
    {
        foreach (var server in multiplexer.GetServers())
        {
            if (server.IsConnected && (server.ServerType == ServerType.Cluster) != configured)
            {
                Log.ClusterModeMismatch(_logger, server.ServerType.ToString(), configured);
                return;
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.RedisConnectionFailed, EventName = "RedisConnectionFailed", Level = LogLevel.Warning, Message = "Redis connection failed ({FailureType}); the cache serves from L1 and the database until it is back")]
        public static partial void RedisConnectionFailed(ILogger logger, string failureType);

        [LoggerMessage(EventId = LogEventIds.RedisConnectionRestored, EventName = "RedisConnectionRestored", Level = LogLevel.Information, Message = "Redis connection restored ({ConnectionType})")]
        public static partial void RedisConnectionRestored(ILogger logger, string connectionType);

        [LoggerMessage(EventId = LogEventIds.RedisClusterModeMismatch, EventName = "RedisClusterModeMismatch", Level = LogLevel.Error, Message = "Redis answers as a {ServerType} server but DataTier:Redis:Cluster is {Cluster}; set DataTier:Redis:Cluster to match on every instance")]
        public static partial void ClusterModeMismatch(ILogger logger, string serverType, bool cluster);
    }
}
