using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace DataTier.Core.Replicas;

/// <summary>Requests in flight per node, for load-aware replica selection.</summary>
public sealed class OutstandingRequests
{
    private readonly ConcurrentDictionary<string, StrongBox<int>> _counts = new(StringComparer.Ordinal);

    /// <summary>Requests in flight on a node.</summary>
    public int Get(string nodeId) => _counts.TryGetValue(nodeId, out var box) ? Volatile.Read(ref box.Value) : 0;

    /// <summary>Counts a request on a node until the returned lease is disposed.</summary>
    public Lease Begin(string nodeId)
    {
        var box = _counts.GetOrAdd(nodeId, static _ => new StrongBox<int>());
        Interlocked.Increment(ref box.Value);
        return new Lease(box);
    }

    /// <summary>One request in flight.</summary>
    public readonly struct Lease(StrongBox<int> box) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose() => Interlocked.Decrement(ref box.Value);
    }
}
