using DataTier.Core.Ring;

namespace DataTier.Core.Rebalancing;

/// <summary>Splits the ring space where either of two rings changes owner.</summary>
public static class RingSegments
{
    /// <summary>
    /// The segments of the 64-bit ring space, in order, each with its owner on <paramref name="routing"/> and on
    /// <paramref name="desired"/>. Neighbouring segments with the same pair of owners are merged.
    /// </summary>
    public static IReadOnlyList<RingSegment> Between(HashRing routing, HashRing desired)
    {
        var ends = new SortedSet<long>();
        foreach (var range in routing.GetRanges())
        {
            ends.Add(range.End);
        }

        foreach (var range in desired.GetRanges())
        {
            ends.Add(range.End);
        }

        var segments = new List<RingSegment>(ends.Count);
        long start = long.MinValue;
        bool first = true;
        foreach (long end in ends)
        {
            // Every position of (start, end] has the owner of 'end' on both rings: ends include every range end.
            string from = routing.GetShardForPosition(end), to = desired.GetShardForPosition(end);
            if (segments.Count > 0 && segments[^1].From == from && segments[^1].To == to)
            {
                segments[^1] = segments[^1] with { End = end };
            }
            else
            {
                segments.Add(new RingSegment(start, end, first, from, to));
            }

            start = end;
            first = false;
        }

        return segments;
    }

    /// <summary>
    /// The thresholds for PostgreSQL's <c>width_bucket(position, thresholds)</c> that number each position by its
    /// segment: bucket k counts the segment ends below the position, so (end[k-1], end[k]] is bucket k.
    /// </summary>
    public static long[] Thresholds(IReadOnlyList<RingSegment> segments) =>
        segments.Take(segments.Count - 1).Select(s => s.End + 1).ToArray();
}
