namespace DataTier.Core.Switchover;

/// <summary>A completed switchover: who is the shard's primary now, in which topology version, and how long writes were held.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="From">The former primary's endpoint (replaced: it gets no more writes and stays fenced).</param>
/// <param name="To">The new primary's endpoint.</param>
/// <param name="TopologyVersion">The catalog version that names it.</param>
/// <param name="Timeline">The new primary's WAL timeline.</param>
/// <param name="WritePauseMs">From the fence to the new topology in force on this instance: the longest a write was held here.</param>
/// <param name="CatchUpMs">Of which: the target replaying the primary's last write.</param>
/// <param name="PromoteMs">Of which: the promotion.</param>
/// <param name="Promoter">The promoter that promoted (<see cref="PromoterNames"/>): with Patroni the old primary is already its standby.</param>
public sealed record SwitchoverResult(string Shard, string From, string To, long TopologyVersion, int Timeline, double WritePauseMs, double CatchUpMs, double PromoteMs, string Promoter = PromoterNames.PgPromote);
