using System.Security.Cryptography;
using DataTier.Core.Ownership;
using DataTier.Core.Caching;
using DataTier.Core.Execution;
using DataTier.Core.Routing;
using DataTier.Core.Topology;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Backends;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Hosting;
using DataTier.Postgres.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Sessions;

/// <summary>What every client session shares: Core's topology, read router and table versions, the backend pools, the users.</summary>
internal sealed class WireServices
{
    public WireServices(
        IOptions<PostgresOptions> options,
        ITopologyProvider topology,
        ReadRouter readRouter,
        TableVersions versions,
        EncodedResultCache cache,
        Caching.WireStatementProfiles profiles,
        Core.Health.NodeHealthMonitor health,
        IOptions<CacheOptions> cacheOptions,
        Core.Diagnostics.QueryDigest digest,
        WireFingerprints fingerprints,
        BackendPools pools,
        ShardedTables shardedTables,
        StatementAnalyses analyses,
        IPostgresUserStore users,
        SessionRegistry sessions,
        WireMetrics metrics,
        WireTls tls,
        TimeProvider time,
        ILoggerFactory loggers,
        IOptions<DataApiOptions> dataApi)
    {
        FencedWriteWaitMs = dataApi.Value.FencedWriteWaitMs;
        Options = options.Value;
        Topology = topology;
        ReadRouter = readRouter;
        Versions = versions;
        Cache = cache;
        Profiles = profiles;
        Health = health;
        Digest = digest;
        Fingerprints = fingerprints;
        CacheMaxEntryBytes = cacheOptions.Value.MaxEntryBytes;
        Pools = pools;
        ShardedTables = shardedTables;
        Analyses = analyses;
        Users = users;
        Sessions = sessions;
        Metrics = metrics;
        Tls = tls;
        Time = time;
        Logger = loggers.CreateLogger("DataTier.Postgres.Session");
    }

    public PostgresOptions Options { get; }

    /// <summary>How long a write refused by a rebalancing fence is retried (the data API's <c>FencedWriteWaitMs</c>).</summary>
    public int FencedWriteWaitMs { get; }

    public ITopologyProvider Topology { get; }

    public ReadRouter ReadRouter { get; }

    public TableVersions Versions { get; }

    /// <summary>Core's cache, for answers kept as protocol messages.</summary>
    public EncodedResultCache Cache { get; }

    public Caching.WireStatementProfiles Profiles { get; }

    /// <summary>Probed replay LSNs: a lower bound of what a replica's rows include, for cache entries filled there.</summary>
    public Core.Health.NodeHealthMonitor Health { get; }

    public int CacheMaxEntryBytes { get; }

    /// <summary>Core's query digest: wire statements are recorded there too, labelled by front end.</summary>
    public Core.Diagnostics.QueryDigest Digest { get; }

    public WireFingerprints Fingerprints { get; }

    public BackendPools Pools { get; }

    public ShardedTables ShardedTables { get; }

    public StatementAnalyses Analyses { get; }

    public IPostgresUserStore Users { get; }

    public SessionRegistry Sessions { get; }

    public WireMetrics Metrics { get; }

    /// <summary>The listener's certificate and handshakes; loaded when <see cref="Options"/> was validated.</summary>
    public WireTls Tls { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>Per process: salts of unknown users are derived from it, so they stay the same between attempts.</summary>
    public byte[] MockSaltSecret { get; } = RandomNumberGenerator.GetBytes(32);
}
