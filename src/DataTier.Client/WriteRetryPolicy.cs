namespace DataTier.Client;

/// <summary>
/// When a write is sent again and after how long. A write is retried only with its idempotency key (the server then
/// applies it at most once), only on failures that say nothing was decided for good: a shard, pool or range that is
/// unavailable for now, a duplicate still in progress, or a dropped connection or timeout of the HTTP call (the write
/// may or may not have committed; the key makes that safe). Backoff doubles from the base delay with jitter, waits
/// at least the server's Retry-After, and gives up when the server asks for longer than <c>MaxRetryDelay</c>.
/// </summary>
internal sealed class WriteRetryPolicy
{
    private readonly int _maxAttempts;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    public WriteRetryPolicy(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        _maxAttempts = maxAttempts;
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
    }

    /// <summary>Whether <paramref name="error"/> may go away on a retry; never when the caller cancelled.</summary>
    public static bool IsTransient(Exception error, CancellationToken callerToken) => error switch
    {
        _ when callerToken.IsCancellationRequested => false,
        DataTierException problem => problem.Code is "shard-unavailable" or "pool-exhausted" or "range-moving" or "idempotency-in-progress",
        // Connection refused, reset or closed before the whole answer was read.
        HttpRequestException or IOException => true,
        // HttpClient.Timeout (the caller's own token is not cancelled, checked above).
        OperationCanceledException => true,
        _ => false,
    };

    /// <summary>
    /// The wait before attempt <paramref name="failedAttempt"/> + 1, or null to give up (attempts used up, or a
    /// Retry-After past the longest wait). <paramref name="jitter"/> is in [0, 1): the wait is 50% to 100% of the backoff.
    /// </summary>
    public TimeSpan? NextDelay(int failedAttempt, TimeSpan? retryAfter, double jitter)
    {
        if (failedAttempt >= _maxAttempts)
        {
            return null;
        }

        if (retryAfter > _maxDelay)
        {
            return null;
        }

        double factor = Math.Pow(2, Math.Min(failedAttempt - 1, 30));
        var backoff = TimeSpan.FromTicks((long)Math.Min(_baseDelay.Ticks * factor, _maxDelay.Ticks));
        backoff = TimeSpan.FromTicks((long)(backoff.Ticks * (0.5 + (Math.Clamp(jitter, 0, 1) / 2))));
        return retryAfter is { } after && after > backoff ? after : backoff;
    }
}
