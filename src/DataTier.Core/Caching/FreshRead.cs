namespace DataTier.Core.Caching;

/// <summary>
/// Shares a remote read among concurrent callers without ever giving a caller a result that was read before it
/// arrived. While one read is in flight, later callers wait for the next read, which starts when the current one
/// finishes and serves all of them; so at most two reads per key are in the air and a burst of callers costs a
/// couple of round trips, not one each. (Joining the read in flight would return a value read before the caller
/// arrived and could miss a write that completed just before.)
/// </summary>
/// <typeparam name="T">What is read.</typeparam>
public sealed class FreshRead<T>
{
    private readonly Func<Task<T>> _read;
    private readonly Lock _gate = new();
    private bool _inFlight;
    private TaskCompletionSource<T>? _next;

    /// <summary>Creates the reader around <paramref name="read"/>.</summary>
    public FreshRead(Func<Task<T>> read) => _read = read;

    /// <summary>A read that starts at or after this call.</summary>
    public Task<T> ReadAsync()
    {
        lock (_gate)
        {
            if (_inFlight)
            {
                _next ??= new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                return _next.Task;
            }

            _inFlight = true;
        }

        // Started outside the lock: a read that completes at once runs Finished inline.
        return Run();
    }

    private Task<T> Run()
    {
        Task<T> read;
        try
        {
            read = _read();
        }
        catch (Exception ex)
        {
            read = Task.FromException<T>(ex);
        }

        _ = read.ContinueWith(static (_, state) => ((FreshRead<T>)state!).Finished(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return read;
    }

    private void Finished()
    {
        TaskCompletionSource<T>? waiting;
        lock (_gate)
        {
            waiting = _next;
            _next = null;
            if (waiting is null)
            {
                _inFlight = false;
                return;
            }
        }

        // Still in flight: the callers that arrived during the last read get a read of their own, started now.
        _ = Run().ContinueWith(static (done, state) =>
        {
            var promise = (TaskCompletionSource<T>)state!;
            if (done.IsCompletedSuccessfully)
            {
                promise.SetResult(done.Result);
            }
            else if (done.IsCanceled)
            {
                promise.SetCanceled();
            }
            else
            {
                promise.SetException(done.Exception!.InnerExceptions);
            }
        }, waiting, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
