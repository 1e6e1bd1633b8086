namespace DataTier.Core.Switchover;

/// <summary>Names of the built-in promoters.</summary>
public static class PromoterNames
{
    /// <summary><c>pg_promote()</c> on the target, through its own connection string (the role needs EXECUTE on it).</summary>
    public const string PgPromote = "pg_promote";

    /// <summary>
    /// Patroni's REST API (<c>POST /switchover</c> on the leader's agent) for shards Patroni manages: Patroni demotes
    /// the old primary (it rejoins as a standby) and promotes the target. <c>DataTier:Switchover:Patroni:RestUrls</c>
    /// lists the agents.
    /// </summary>
    public const string Patroni = "patroni";
}
