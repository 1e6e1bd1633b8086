namespace DataTier.Core.Switchover;

/// <summary>How the Patroni promoter reaches Patroni (<c>DataTier:Switchover:Patroni</c>).</summary>
public sealed class PatroniPromoterOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = SwitchoverOptions.SectionName + ":Patroni";

    /// <summary>
    /// Base URLs of Patroni REST APIs (<c>http://host:8008</c>), at least one agent of every shard Patroni manages
    /// (all of them is better: any one that answers will do). The promoter asks them for their cluster's members and
    /// picks the cluster that has the switchover's target as a member (by host and port).
    /// </summary>
    public List<string> RestUrls { get; set; } = [];

    /// <summary>
    /// Timeout of each REST call that only reads (<c>GET /cluster</c>). <c>POST /switchover</c>, which returns once
    /// Patroni has demoted the old primary and promoted the target, gets what is left of
    /// <c>DataTier:Switchover:PromoteTimeoutMs</c> instead.
    /// </summary>
    public int RequestTimeoutMs { get; set; } = 2000;
}
