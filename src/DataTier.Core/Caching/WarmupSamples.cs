using System.Collections.Concurrent;
using DataTier.Core.Diagnostics;

namespace DataTier.Core.Caching;

/// <summary>
/// Keeps the latest cacheable read of each statement shape so a warm-up can run "the N most frequent cacheable
/// statements" again with real parameter values: the query digest counts calls per shape but keeps no values.
/// Bounded: once <see cref="MaxShapes"/> shapes are held, new shapes are not kept (the digest's busiest shapes are
/// the ones seen first and most often). The values stay in process memory only, like the cached rows themselves.
/// </summary>
public sealed class WarmupSamples
{
    /// <summary>The most shapes held.</summary>
    public const int MaxShapes = 10_000;

    private readonly ConcurrentDictionary<ulong, Slot> _samples = new();

    /// <summary>Shapes held.</summary>
    public int Count => _samples.Count;

    /// <summary>Remembers a read as its shape's latest.</summary>
    public void Record(WarmupSample sample)
    {
        // Called on every cacheable read: a known shape costs a lock-free lookup and a reference write; only a new
        // shape takes locks (ConcurrentDictionary.Count takes all of them).
        ulong id = sample.Statement.FingerprintId;
        if (_samples.TryGetValue(id, out var slot))
        {
            slot.Latest = sample;
        }
        else if (_samples.Count < MaxShapes)
        {
            _samples.GetOrAdd(id, static (_, s) => new Slot { Latest = s }, sample).Latest = sample;
        }
    }

    /// <summary>The <paramref name="count"/> shapes the digest has seen most often, busiest first, with their latest read.</summary>
    public IReadOnlyList<(WarmupSample Sample, long Calls)> MostFrequent(QueryDigest digest, int count) =>
        _samples.Values
            .Select(slot => slot.Latest)
            .Select(s => (Sample: s, Calls: digest.Find(s.Statement.FingerprintId)?.Calls ?? 0))
            .OrderByDescending(s => s.Calls)
            .ThenBy(s => s.Sample.Statement.Fingerprint, StringComparer.Ordinal)
            .Take(count)
            .ToList();

    private sealed class Slot
    {
        public volatile WarmupSample Latest = null!;
    }
}
