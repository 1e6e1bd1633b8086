namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// A move's segments in the form the shards use: PostgreSQL's <c>width_bucket(position, thresholds)</c> numbers a
/// row's segment, and an array indexed by it names where the row goes (null: it stays). One threshold array serves
/// every source; each source has its own array of targets.
/// </summary>
public sealed class MoveRanges
{
    /// <summary>Builds the arrays from the segments between the two rings.</summary>
    public MoveRanges(IReadOnlyList<RingSegment> segments)
    {
        Segments = segments;
        Thresholds = RingSegments.Thresholds(segments);
        Pairs = segments.Where(s => s.Moves).GroupBy(s => (s.From, s.To)).Select(g => new MovePair(g.Key.From, g.Key.To, g.Count()))
            .OrderBy(p => p.From, StringComparer.Ordinal).ThenBy(p => p.To, StringComparer.Ordinal).ToList();
    }

    /// <summary>The segments, in ring order.</summary>
    public IReadOnlyList<RingSegment> Segments { get; }

    /// <summary>The <c>width_bucket</c> thresholds: bucket k (0-based) is segment k.</summary>
    public long[] Thresholds { get; }

    /// <summary>Each (source, target) pair with the number of segments it moves.</summary>
    public IReadOnlyList<MovePair> Pairs { get; }

    /// <summary>The shards that give rows.</summary>
    public IEnumerable<string> Sources => Pairs.Select(p => p.From).Distinct(StringComparer.Ordinal);

    /// <summary>The shards that receive rows.</summary>
    public IEnumerable<string> Targets => Pairs.Select(p => p.To).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// For PostgreSQL's 1-based array indexed by <c>width_bucket(...) + 1</c>: the shard each segment of
    /// <paramref name="source"/> moves to, null where the segment stays or belongs to another shard.
    /// </summary>
    public string?[] TargetsFrom(string source) =>
        Segments.Select(s => s.Moves && s.From == source ? s.To : null).ToArray();
}
