using System.Collections.Concurrent;
using DataTier.Core.Diagnostics;

namespace DataTier.Core.Caching;

/// <summary>
/// Keeps the latest read of each statement shape with its parameter values: the query digest counts calls per shape
/// but keeps no values. A warm-up runs "the N most frequent cacheable statements" again from the latest cacheable
/// read of each; the index advisor's canary validation replays the latest read of any kind (a <c>strong</c> or
/// <c>bypass</c> read is evidence for an index as much as a cached miss). Bounded: once <see cref="MaxShapes"/> shapes
/// are held, new shapes are not kept (the digest's busiest shapes are the ones seen first and most often). The values
/// stay in process memory only, like the cached rows themselves.
/// </summary>
public sealed class WarmupSamples
{
    /// <summary>The most shapes held.</summary>
    public const int MaxShapes = 10_000;

    private readonly ConcurrentDictionary<ulong, Slot> _samples = new();

    /// <summary>Shapes held.</summary>
    public int Count => _samples.Count;

    /// <summary>
    /// Remembers a read as its shape's latest: a cache miss (<paramref name="cacheable"/>), or a read that bypasses
    /// the cache, which a warm-up must not replay into it.
    /// </summary>
    public void Record(WarmupSample sample, bool cacheable = true)
    {
        // Called on every cache miss and uncached read: a known shape costs a lock-free lookup and a reference write;
        // only a new shape takes locks (ConcurrentDictionary.Count takes all of them).
        ulong id = sample.Statement.FingerprintId;
        if (!_samples.TryGetValue(id, out var slot))
        {
            if (_samples.Count >= MaxShapes)
            {
                return;
            }

            slot = _samples.GetOrAdd(id, static _ => new Slot());
        }

        slot.Any = sample;
        if (cacheable)
        {
            slot.Cacheable = sample;
        }
    }

    /// <summary>The <paramref name="count"/> cacheable shapes the digest has seen most often, busiest first, with their latest cacheable read.</summary>
    public IReadOnlyList<(WarmupSample Sample, long Calls)> MostFrequent(QueryDigest digest, int count) =>
        ByCalls(_samples.Values.Select(slot => slot.Cacheable), digest, count);

    /// <summary>The <paramref name="count"/> shapes the digest has seen most often, with their latest read of any kind (what a replay measures with).</summary>
    public IReadOnlyList<(WarmupSample Sample, long Calls)> MostFrequentOfAnyKind(QueryDigest digest, int count) =>
        ByCalls(_samples.Values.Select(slot => slot.Any), digest, count);

    private static List<(WarmupSample Sample, long Calls)> ByCalls(IEnumerable<WarmupSample?> samples, QueryDigest digest, int count) =>
        samples.OfType<WarmupSample>()
            .Select(s => (Sample: s, Calls: digest.Find(s.Statement.FingerprintId)?.Calls ?? 0))
            .OrderByDescending(s => s.Calls)
            .ThenBy(s => s.Sample.Statement.Fingerprint, StringComparer.Ordinal)
            .Take(count)
            .ToList();

    private sealed class Slot
    {
        public volatile WarmupSample? Cacheable;
        public volatile WarmupSample? Any;
    }
}
