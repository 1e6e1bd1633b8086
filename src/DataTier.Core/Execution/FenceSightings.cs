using System.Collections.Concurrent;

namespace DataTier.Core.Execution;

/// <summary>
/// The primaries this instance saw refuse a write with the write fence (<c>range-moving</c>) lately, by endpoint. A
/// fenced primary commits nothing, so a write that then cannot reach it (Patroni stops it during a switchover it was
/// asked for, or restarts it as a standby) applied nothing there and may be held and sent again like a fenced write:
/// the switchover's new topology routes it to the promoted node. Only the fenced server is trusted this way; a
/// failure of any other is the caller's, as before.
/// </summary>
internal sealed class FenceSightings(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _lastSeen = new(StringComparer.Ordinal);

    // Read on every successful write: the dictionary is only touched while some primary was seen fenced.
    private volatile bool _any;

    /// <summary>Records that <paramref name="endpoint"/> refused a write with the fence now.</summary>
    public void Seen(string endpoint)
    {
        _lastSeen[endpoint] = time.GetTimestamp();
        _any = true;
    }

    /// <summary>A write succeeded on <paramref name="endpoint"/>: it is not fenced (any more).</summary>
    public void Cleared(string endpoint)
    {
        if (_any && _lastSeen.TryRemove(endpoint, out _))
        {
            _any = !_lastSeen.IsEmpty;
        }
    }

    /// <summary>Whether <paramref name="endpoint"/> refused a write with the fence less than <paramref name="milliseconds"/> ago.</summary>
    public bool SeenWithin(string endpoint, double milliseconds) =>
        _any && _lastSeen.TryGetValue(endpoint, out long at) && time.GetElapsedTime(at).TotalMilliseconds < milliseconds;
}
