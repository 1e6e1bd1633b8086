namespace DataTier.DevCluster.Patroni;

/// <summary>
/// Patroni's DCS timings for the dev cluster: short, so that a test sees a failover within seconds. Patroni wants
/// <c>loop_wait + 2 * retry_timeout &lt;= ttl</c>, so that a leader that cannot reach etcd demotes itself before its
/// key expires and another node takes it.
/// </summary>
internal static class PatroniTimings
{
    /// <summary>Seconds the leader key lives without a refresh.</summary>
    public const int Ttl = 10;

    /// <summary>Seconds between two runs of each agent's HA loop.</summary>
    public const int LoopWait = 2;

    /// <summary>Seconds an etcd or PostgreSQL call may be retried before the loop gives up on it.</summary>
    public const int RetryTimeout = 4;
}
