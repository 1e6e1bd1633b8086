namespace DataTier.Postgres.Diagnostics;

/// <summary>
/// Log event ids of the PostgreSQL wire front end: the 5000s (the other areas: 1000s topology, 2000s routing, 3000s
/// caching, 4000s rebalancing, 6000s jobs). Once shipped an id and its name never change.
/// </summary>
internal static class WireEventIds
{
    public const int ListenerStarted = 5001;
    public const int ClientConnected = 5002;
    public const int ClientDisconnected = 5003;
    public const int AuthenticationFailed = 5010;
    public const int NoVerifier = 5011;
    public const int ProtocolViolation = 5020;
    public const int StatementRefused = 5021;
    public const int SessionFailed = 5022;
    public const int BackendConnected = 5030;
    public const int BackendConnectFailed = 5031;
    public const int BackendBroken = 5032;
    public const int CancelForwarded = 5040;
    public const int CancelIgnored = 5041;
    public const int InvalidationFailed = 5050;
    public const int ShardedTablesLoaded = 5060;
    public const int ShardedTablesFailed = 5061;
}
