namespace DataTier.Core.Ownership;

/// <summary>What a shard's ownership guard follows now (<c>datatier_guard.ring</c>).</summary>
/// <param name="Shard">The shard the guard believes it is.</param>
/// <param name="Version">The topology version its ranges come from.</param>
/// <param name="Fingerprint">The ring (or transition) its ranges are.</param>
/// <param name="SetAt">When they were written.</param>
public sealed record GuardState(string Shard, long Version, string Fingerprint, DateTime SetAt);
