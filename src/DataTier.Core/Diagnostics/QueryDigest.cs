using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// Every statement DataTier runs, by fingerprint: calls, errors, rows, cache hits and a latency histogram. Memory is
/// bounded: past <see cref="DigestOptions.MaxFingerprints"/> the least recently used fingerprints are dropped in a
/// batch by whichever caller crosses the bound, so the common path is a dictionary hit and interlocked updates.
/// </summary>
public sealed class QueryDigest
{
    private readonly ConcurrentDictionary<ulong, DigestEntry> _entries = new();
    private readonly int _max;
    private readonly TimeProvider _time;
    private readonly DataTierMetrics? _metrics;
    private long _evicted;
    private int _evicting;

    /// <summary>Creates the digest.</summary>
    public QueryDigest(IOptions<DigestOptions> options, TimeProvider time, DataTierMetrics? metrics = null)
    {
        _max = options.Value.MaxFingerprints;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>Fingerprints held.</summary>
    public int Count => _entries.Count;

    /// <summary>Fingerprints dropped for capacity so far.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Records one execution (or cache hit) of a statement.</summary>
    public void Record(ulong fingerprintId, string fingerprint, string sql, string shard, DigestRole role, double elapsedMs, long rows, bool error, bool cacheHit = false, DigestFrontEnd frontEnd = DigestFrontEnd.Http)
    {
        var now = _time.GetUtcNow();
        if (!_entries.TryGetValue(fingerprintId, out var entry))
        {
            entry = _entries.GetOrAdd(fingerprintId, static (id, state) => new DigestEntry(id, state.fingerprint, state.sql, state.now), (fingerprint, sql, now));
            if (_entries.Count > _max)
            {
                Evict();
            }

            _metrics?.DigestFingerprints.Set(_entries.Count);
        }

        entry.Record(shard, role, elapsedMs, rows, error, cacheHit, now, frontEnd);
    }

    /// <summary>Every entry's figures.</summary>
    public IReadOnlyList<DigestSnapshot> Snapshot() => _entries.Values.Select(e => e.Snapshot()).ToList();

    /// <summary>One entry by id.</summary>
    public DigestEntry? Find(ulong fingerprintId) => _entries.TryGetValue(fingerprintId, out var e) ? e : null;

    private void Evict()
    {
        if (Interlocked.Exchange(ref _evicting, 1) == 1)
        {
            return;
        }

        try
        {
            int excess = _entries.Count - _max;
            if (excess <= 0)
            {
                return;
            }

            // Drop a tenth more than needed so the scan runs once per many new fingerprints, not once per each.
            int drop = Math.Min(_entries.Count, excess + Math.Max(1, _max / 10));
            foreach (var victim in _entries.Values.OrderBy(e => e.LastSeenTicks).Take(drop).ToList())
            {
                if (_entries.TryRemove(victim.Id, out _))
                {
                    Interlocked.Increment(ref _evicted);
                    _metrics?.DigestEvictions.Inc();
                }
            }
        }
        finally
        {
            _metrics?.DigestFingerprints.Set(_entries.Count);
            Volatile.Write(ref _evicting, 0);
        }
    }
}
