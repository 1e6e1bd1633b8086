using DataTier.Core.Rebalancing;
using DataTier.Core.Ring;

namespace DataTier.Core.Ownership;

/// <summary>
/// What a shard's ownership guard is told (<c>datatier_guard.set_ring</c>): the ring space as contiguous ranges, each
/// given by its inclusive upper end, with its owner; the last range ends at <see cref="long.MaxValue"/>, so a
/// position's owner is that of the first range ending at or after it.
/// </summary>
public sealed class GuardRing
{
    /// <summary>How a transition's <see cref="Fingerprint"/> begins.</summary>
    public const string TransitionPrefix = "transition:";

    private GuardRing(string fingerprint, long[] ends, string[] owners)
    {
        Fingerprint = fingerprint;
        Ends = ends;
        Owners = owners;
    }

    /// <summary>Names the ranges: equal for equal rings (the ring's own fingerprint, or a transition's).</summary>
    public string Fingerprint { get; }

    /// <summary>Upper ends of the ranges, ascending.</summary>
    public long[] Ends { get; }

    /// <summary>The owner of each range.</summary>
    public string[] Owners { get; }

    /// <summary>The ranges of a routing ring.</summary>
    public static GuardRing Of(HashRing ring)
    {
        var ends = new List<long>();
        var owners = new List<string>();
        foreach (var range in ring.GetRanges())
        {
            Add(ends, owners, range.End, range.ShardId);
        }

        return new GuardRing(ring.Fingerprint, [.. ends], [.. owners]);
    }

    /// <summary>
    /// What <paramref name="shard"/> accepts while a move switches routing from <paramref name="from"/> to
    /// <paramref name="to"/>: everything it owns on either ring. Written to the move's shards before the catalog
    /// commits the switch, so that a write routed by either version is accepted where it is routed (the ranges it
    /// gives away are fenced by the move meanwhile); replaced by <paramref name="to"/> itself once the switch is in
    /// force.
    /// </summary>
    public static GuardRing Transition(string shard, HashRing from, HashRing to)
    {
        var ends = new List<long>();
        var owners = new List<string>();
        foreach (var segment in RingSegments.Between(from, to))
        {
            bool mine = string.Equals(segment.From, shard, StringComparison.Ordinal) || string.Equals(segment.To, shard, StringComparison.Ordinal);
            Add(ends, owners, segment.End, mine ? shard : segment.To);
        }

        return new GuardRing($"{TransitionPrefix}{shard}:{from.Fingerprint}>{to.Fingerprint}", [.. ends], [.. owners]);
    }

    /// <summary>The owner of a ring position.</summary>
    public string OwnerOf(long position)
    {
        int index = Array.BinarySearch(Ends, position);
        return Owners[index < 0 ? ~index : index];
    }

    // Neighbouring ranges of one owner are one range: the shard stores fewer rows and probes a smaller index.
    private static void Add(List<long> ends, List<string> owners, long end, string owner)
    {
        if (owners.Count > 0 && string.Equals(owners[^1], owner, StringComparison.Ordinal))
        {
            ends[^1] = end;
            return;
        }

        ends.Add(end);
        owners.Add(owner);
    }
}
