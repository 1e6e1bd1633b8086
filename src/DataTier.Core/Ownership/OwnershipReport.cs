namespace DataTier.Core.Ownership;

/// <summary>
/// Where every shard's rows belong by the routing ring of topology <see cref="TopologyVersion"/>
/// (<c>datatier shard verify</c>).
/// </summary>
/// <param name="TopologyVersion">The topology version whose ring the rows were checked against.</param>
/// <param name="Ring">That ring's fingerprint.</param>
/// <param name="Repaired">Whether misplaced rows were moved to their owners.</param>
/// <param name="Shards">Each shard's findings.</param>
public sealed record OwnershipReport(long TopologyVersion, string Ring, bool Repaired, IReadOnlyList<ShardOwnership> Shards)
{
    /// <summary>Rows still on a shard the ring does not place them on, over all shards (0 after a repair without conflicts).</summary>
    public long MisplacedTotal => Shards.Sum(s => s.MisplacedTotal);

    /// <summary>With a repair: rows moved to their owners.</summary>
    public long MovedTotal => Shards.Sum(s => s.Misplaced.Sum(m => m.Moved));

    /// <summary>With a repair: rows left in place because their owner holds a different row with the same key.</summary>
    public long ConflictsTotal => Shards.Sum(s => s.Misplaced.Sum(m => m.Conflicts));
}
