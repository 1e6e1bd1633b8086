namespace DataTier.Core.Topology;

/// <summary>
/// One shard in a stored topology. <see cref="Weight"/> is its share of the routing ring now (0: it routes nothing
/// yet, or any more); <see cref="DesiredWeight"/> the share it should have once rows have moved (0: to be emptied).
/// </summary>
public sealed record TopologyShardEntry(string Id, double Weight, double DesiredWeight, string Primary, IReadOnlyList<string> Replicas)
{
    /// <summary>
    /// The LSN every node of the shard must have replayed before it serves any read (0: none). A move sets it on
    /// the shards that received rows: their replicas may not have replayed the last copied rows when the switch
    /// routes reads to them.
    /// </summary>
    public ulong ReadFloorLsn { get; init; }

    /// <summary>
    /// Whether fan-out reads on this shard must leave out rows it does not own on the routing ring: set by a move for
    /// its shards from before the copy until the clean-up, while they may hold copies of rows another shard owns.
    /// </summary>
    public bool ScatterFilter { get; init; }

    /// <summary>The WAL timeline of the primary when DataTier last changed it (0: not recorded, as in a seeded topology).</summary>
    public int PrimaryTimeline { get; init; }

    /// <summary>
    /// Former primaries that a followed failover replaced, oldest first. They stay listed so that every instance keeps
    /// probing and flagging them (one that comes back as a primary on its old timeline is a split brain to resolve),
    /// and none routes anything to them.
    /// </summary>
    public IReadOnlyList<ReplacedPrimaryEntry> ReplacedPrimaries { get; init; } = [];

    /// <summary>What the shard is doing: routing as desired, waiting to receive rows, or waiting to give them up.</summary>
    public string State => (Weight > 0, DesiredWeight > 0) switch
    {
        (true, true) when Weight.Equals(DesiredWeight) => "active",
        (true, true) => "reweighting",
        (false, true) => "pending",
        (true, false) => "draining",
        _ => "empty",
    };
}
