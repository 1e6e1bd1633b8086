namespace DataTier.DevCluster.Patroni;

/// <summary>One member of a Patroni cluster as its REST API's <c>GET /cluster</c> lists it.</summary>
/// <param name="Name">Member name: the dev cluster's node id (<c>s1-primary</c>).</param>
/// <param name="Role"><c>leader</c>, <c>sync_standby</c> or <c>replica</c>.</param>
/// <param name="State"><c>running</c>, <c>streaming</c>, <c>starting</c>, <c>stopped</c>, ...</param>
/// <param name="Port">The member's PostgreSQL port.</param>
/// <param name="Timeline">The member's WAL timeline, when Patroni knows it.</param>
public sealed record PatroniMember(string Name, string Role, string State, int Port, int? Timeline)
{
    /// <summary>Whether the member holds the leader key.</summary>
    public bool IsLeader => Role is "leader" or "master";

    /// <summary>Whether the member is the synchronous standby Patroni would fail over to.</summary>
    public bool IsSyncStandby => Role == "sync_standby";
}
