namespace DataTier.Core.Ownership;

/// <summary>One shard in an ownership check.</summary>
/// <param name="Shard">The shard.</param>
/// <param name="Guard">What its ownership guard follows (null: never set; it then accepts every row).</param>
/// <param name="GuardCurrent">Whether the guard follows the ring the check counted by.</param>
/// <param name="UnguardedTables">Sharded tables without the guard trigger on this shard.</param>
/// <param name="Misplaced">Rows the ring places elsewhere, by table and owner.</param>
public sealed record ShardOwnership(string Shard, GuardState? Guard, bool GuardCurrent, IReadOnlyList<string> UnguardedTables, IReadOnlyList<MisplacedRows> Misplaced)
{
    /// <summary>Rows of this shard that belong elsewhere and are still here (found, less those a repair moved).</summary>
    public long MisplacedTotal => Misplaced.Sum(m => m.Rows - m.Moved);
}
