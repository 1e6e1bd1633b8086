namespace DataTier.Core.Diagnostics;

/// <summary>
/// Every log event id DataTier writes (Core and Server), banded by area: 1000s catalog, topology and moves, 2000s nodes,
/// routing and idempotent writes, 3000s caching, 5000s diagnostics (5500s the PostgreSQL wire front end), 6000s advice and scheduled jobs, 9000s the HTTP server. Each
/// constant is named like its event's <c>EventName</c>; neither changes once shipped, and an id is never reused.
/// </summary>
public static class LogEventIds
{
    // 1100s: the catalog database.
    public const int CatalogSchemaUnchecked = 1101;

    // 1200s: the topology in the catalog.
    public const int TopologyVersionInForce = 1201;
    public const int TopologyListenFailed = 1202;
    public const int TopologyPollFailed = 1203;

    // 1300s: rebalancing moves.
    public const int MoveDriving = 1301;
    public const int MoveSwitched = 1302;
    public const int MoveFenceLifted = 1303;
    public const int MoveStepFailed = 1304;
    public const int MoveFailed = 1305;
    public const int MoveFinished = 1306;
    public const int MoveLeaseLost = 1307;
    public const int MoveLeaseRenewFailed = 1308;
    public const int RebalanceRunnerFailed = 1310;

    // 1400s: the shards' row ownership guard.
    public const int OwnershipGuardFollowed = 1401;
    public const int OwnershipGuardInstalled = 1402;
    public const int OwnershipGuardSyncFailed = 1403;
    public const int OwnershipGuardCatalogWentBack = 1404;

    // 2000s: node health.
    public const int NodeMarkedDown = 2001;
    public const int NodeBackUp = 2002;
    public const int ProbeRoundFailed = 2003;

    // 2100s: reads and writes on shards.
    public const int ReadRetried = 2101;

    // 2200s: idempotent writes.
    public const int IdempotencyKeysSwept = 2201;
    public const int IdempotencySweepFailed = 2202;

    // 2600s: failover following (a promoted replica becomes its shard's primary).
    public const int FailoverFollowed = 2601;
    public const int FailoverAlreadyFollowed = 2602;
    public const int FailoverFollowFailed = 2603;
    public const int ReplacedPrimaryWritable = 2604;
    public const int ReplacedPrimaryQuiet = 2605;
    public const int PromotionAwaited = 2606;

    // 2700s: planned switchovers.
    public const int SwitchoverFenced = 2701;
    public const int SwitchoverDone = 2702;
    public const int SwitchoverAbandoned = 2703;

    // 2800s: promotions through Patroni.
    public const int PatroniSwitchoverRequested = 2801;
    public const int PatroniSwitchoverDone = 2802;
    public const int PatroniSwitchoverRefused = 2803;

    // 3000s: Redis and the invalidation feed.
    public const int RedisConnectionFailed = 3001;
    public const int RedisConnectionRestored = 3002;
    public const int RedisCallFailed = 3003;
    public const int CacheRedisCallFailed = 3004;
    public const int CacheFeedBroken = 3005;
    public const int CacheFeedLive = 3006;
    public const int RedisClusterModeMismatch = 3007;

    // 3100s: the query cache.
    public const int RefreshAhead = 3101;
    public const int InvalidationFallback = 3102;

    // 5000s: diagnostics.
    public const int PerformanceSampleFailed = 5001;

    // 5500s: the PostgreSQL wire front end (DataTier.Postgres).
    public const int WireListenerStarted = 5501;
    public const int WireClientConnected = 5502;
    public const int WireAuthenticationFailed = 5510;
    public const int WireUserHasNoVerifier = 5511;
    public const int WireProtocolViolation = 5520;
    public const int WireStatementRefused = 5521;
    public const int WireSessionFailed = 5522;
    public const int WireBackendConnected = 5530;
    public const int WireBackendConnectFailed = 5531;
    public const int WireBackendBroken = 5532;
    public const int WireCancelForwarded = 5540;
    public const int WireCancelIgnored = 5541;
    public const int WireInvalidationFailed = 5550;
    public const int ShardedTablesLoaded = 5560;
    public const int ShardedTablesFailed = 5561;
    public const int WireTlsCertificateLoaded = 5570;
    public const int WireTlsHandshakeFailed = 5571;
    public const int WireTlsRequired = 5572;

    // 6000s: the index advisor and its scheduled job.
    public const int AdvisorRunStarted = 6001;
    public const int AdvisorRunFinished = 6002;
    public const int AdviceJobSkipped = 6101;

    // 6200s: the scheduled rebalancing check.
    public const int RebalanceProposed = 6201;
    public const int RebalanceBalanced = 6202;
    public const int RebalanceNotInCatalog = 6203;

    // 9000s: the HTTP server.
    public const int UnhandledException = 9001;
}
