using System.Collections.Concurrent;

namespace DataTier.Core.Caching;

/// <summary>
/// Runs at most one piece of work per key at a time in this process; callers that arrive while it runs share its
/// result. <see cref="ConcurrentDictionary{TKey,TValue}.GetOrAdd(TKey,Func{TKey,TValue})"/> may run its factory more
/// than once under contention, and a factory that starts work would then run it twice; so the work is published as a
/// not-yet-started promise first and only the caller whose promise went in starts it. The promise leaves the map only
/// after the work has finished, removed by key and value so a late finisher never removes a newer promise.
/// </summary>
/// <typeparam name="T">The work's result.</typeparam>
public sealed class SingleFlight<T>
{
    private readonly ConcurrentDictionary<string, Task<T>> _inflight = new(StringComparer.Ordinal);

    /// <summary>Work under way now.</summary>
    public int Count => _inflight.Count;

    /// <summary>Joins the work running under <paramref name="key"/>, or starts <paramref name="work"/> there.</summary>
    public Task<T> Run(string key, Func<Task<T>> work, out bool started)
    {
        while (true)
        {
            if (_inflight.TryGetValue(key, out var running))
            {
                started = false;
                return running;
            }

            var promise = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_inflight.TryAdd(key, promise.Task))
            {
                started = true;
                _ = CompleteAsync(key, promise, work);
                return promise.Task;
            }
        }
    }

    private async Task CompleteAsync(string key, TaskCompletionSource<T> promise, Func<Task<T>> work)
    {
        try
        {
            var result = await work().ConfigureAwait(false);
            _inflight.TryRemove(new KeyValuePair<string, Task<T>>(key, promise.Task));
            promise.SetResult(result);
        }
        catch (Exception ex)
        {
            _inflight.TryRemove(new KeyValuePair<string, Task<T>>(key, promise.Task));
            promise.SetException(ex);
        }
    }
}
