using HdrHistogram;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// What DataTier saw of one statement shape. Counters are updated with interlocked operations and the latency
/// histogram is HdrHistogram's concurrent one, so recording takes no lock.
/// </summary>
public sealed class DigestEntry
{
    // Microseconds from 1 µs to 1 hour at 2 significant digits (percentiles within 1%): a fixed 26 KB per fingerprint.
    // At 3 digits it was 188 KB, so a digest full of MaxFingerprints (5,000) shapes would hold 940 MB.
    private readonly LongConcurrentHistogram _histogram = new(1, 3_600_000_000L, 2);
    private long _calls, _errors, _rows, _cacheHits, _totalMicros, _maxMicros, _lastSeenTicks;
    private int _roles;
    private int _frontEnds;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _shards = new(StringComparer.Ordinal);

    internal DigestEntry(ulong id, string fingerprint, string sampleSql, DateTimeOffset now)
    {
        Id = id;
        Fingerprint = fingerprint;
        SampleSql = sampleSql;
        FirstSeen = now;
        _lastSeenTicks = now.UtcTicks;
    }

    /// <summary>Fingerprint id.</summary>
    public ulong Id { get; }

    /// <summary>Normalised statement text.</summary>
    public string Fingerprint { get; }

    /// <summary>The statement as sent to PostgreSQL ($n placeholders, no values), for EXPLAIN.</summary>
    public string SampleSql { get; }

    /// <summary>When first seen.</summary>
    public DateTimeOffset FirstSeen { get; }

    /// <summary>Calls recorded so far.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>When the shape was last seen.</summary>
    public DateTimeOffset LastSeen => new(Interlocked.Read(ref _lastSeenTicks), TimeSpan.Zero);

    internal long LastSeenTicks => Interlocked.Read(ref _lastSeenTicks);

    internal void Record(string shard, DigestRole role, double elapsedMs, long rows, bool error, bool cacheHit, DateTimeOffset now, DigestFrontEnd frontEnd = DigestFrontEnd.Http)
    {
        Interlocked.Increment(ref _calls);
        if (error)
        {
            Interlocked.Increment(ref _errors);
        }

        if (cacheHit)
        {
            Interlocked.Increment(ref _cacheHits);
        }

        Interlocked.Add(ref _rows, rows);
        long micros = Math.Clamp((long)(elapsedMs * 1000), 1, 3_600_000_000L);
        Interlocked.Add(ref _totalMicros, micros);
        long max;
        while (micros > (max = Interlocked.Read(ref _maxMicros)) && Interlocked.CompareExchange(ref _maxMicros, micros, max) != max)
        {
        }

        _histogram.RecordValue(micros);
        Interlocked.Exchange(ref _lastSeenTicks, now.UtcTicks);
        int bit = 1 << (int)role;
        if ((Volatile.Read(ref _roles) & bit) == 0)
        {
            Interlocked.Or(ref _roles, bit);
        }

        int front = 1 << (int)frontEnd;
        if ((Volatile.Read(ref _frontEnds) & front) == 0)
        {
            Interlocked.Or(ref _frontEnds, front);
        }

        if (!_shards.ContainsKey(shard))
        {
            _shards.TryAdd(shard, 0);
        }
    }

    /// <summary>A copy of the figures.</summary>
    public DigestSnapshot Snapshot()
    {
        long calls = Interlocked.Read(ref _calls);
        long total = Interlocked.Read(ref _totalMicros);
        var h = _histogram.Copy();
        int roles = Volatile.Read(ref _roles);
        int frontEnds = Volatile.Read(ref _frontEnds);
        return new DigestSnapshot(
            Id.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), Fingerprint, calls, Interlocked.Read(ref _errors), Interlocked.Read(ref _rows), Interlocked.Read(ref _cacheHits),
            total / 1000.0, calls == 0 ? 0 : total / 1000.0 / calls,
            h.GetValueAtPercentile(50) / 1000.0, h.GetValueAtPercentile(95) / 1000.0, h.GetValueAtPercentile(99) / 1000.0, Interlocked.Read(ref _maxMicros) / 1000.0,
            _shards.Keys.Order(StringComparer.Ordinal).ToList(),
            Enum.GetValues<DigestRole>().Where(r => (roles & (1 << (int)r)) != 0).Select(r => r.ToString().ToLowerInvariant()).ToList(),
            FirstSeen, LastSeen)
        {
            FrontEnds = Enum.GetValues<DigestFrontEnd>().Where(f => (frontEnds & (1 << (int)f)) != 0).Select(f => f.ToString().ToLowerInvariant()).ToList(),
        };
    }
}
