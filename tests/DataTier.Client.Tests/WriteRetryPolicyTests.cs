using DataTier.Client;

namespace DataTier.Client.Tests;

public sealed class WriteRetryPolicyTests
{
    private static readonly WriteRetryPolicy Policy = new(maxAttempts: 4, baseDelay: TimeSpan.FromMilliseconds(100), maxDelay: TimeSpan.FromSeconds(2));

    private static DataTierException Problem(int status, string code, TimeSpan? retryAfter = null) =>
        new DataTierUnavailableException(status, "https://datatier.dev/problems/" + code, code, "detail", null, "s1", null) { RetryAfter = retryAfter };

    [Theory]
    [InlineData("shard-unavailable")]
    [InlineData("pool-exhausted")]
    [InlineData("range-moving")]
    [InlineData("idempotency-in-progress")]
    public void Unavailable_shards_pools_and_ranges_are_transient(string code)
    {
        Assert.True(WriteRetryPolicy.IsTransient(Problem(503, code), CancellationToken.None));
    }

    [Theory]
    [InlineData(409, "conflict")]
    [InlineData(422, "sql-error")]
    [InlineData(422, "idempotency-key-reused")]
    [InlineData(400, "invalid-idempotency-key")]
    [InlineData(504, "timeout")]
    [InlineData(429, "rate-limited")]
    public void Answers_that_decided_the_write_are_not_retried(int status, string code)
    {
        Assert.False(WriteRetryPolicy.IsTransient(new DataTierException(status, "https://datatier.dev/problems/" + code, code, "d", null, null, null), CancellationToken.None));
    }

    [Fact]
    public void Dropped_connections_and_http_timeouts_are_transient()
    {
        Assert.True(WriteRetryPolicy.IsTransient(new HttpRequestException("reset"), CancellationToken.None));
        Assert.True(WriteRetryPolicy.IsTransient(new IOException("unexpected EOF"), CancellationToken.None));
        Assert.True(WriteRetryPolicy.IsTransient(new TaskCanceledException("HttpClient.Timeout", new TimeoutException()), CancellationToken.None));
    }

    [Fact]
    public void Nothing_is_retried_once_the_caller_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.False(WriteRetryPolicy.IsTransient(new TaskCanceledException(), cancelled.Token));
        Assert.False(WriteRetryPolicy.IsTransient(new HttpRequestException("reset"), cancelled.Token));
        Assert.False(WriteRetryPolicy.IsTransient(Problem(503, "shard-unavailable"), cancelled.Token));
    }

    [Fact]
    public void Other_exceptions_are_not_transient()
    {
        Assert.False(WriteRetryPolicy.IsTransient(new InvalidOperationException(), CancellationToken.None));
        Assert.False(WriteRetryPolicy.IsTransient(new System.Text.Json.JsonException(), CancellationToken.None));
    }

    [Fact]
    public void Backoff_doubles_from_the_base_and_jitter_takes_it_down_to_half()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), Policy.NextDelay(1, null, jitter: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(50), Policy.NextDelay(1, null, jitter: 0));
        Assert.Equal(TimeSpan.FromMilliseconds(200), Policy.NextDelay(2, null, jitter: 1));
        Assert.Equal(TimeSpan.FromMilliseconds(400), Policy.NextDelay(3, null, jitter: 1));
    }

    [Fact]
    public void Attempts_are_bounded()
    {
        Assert.NotNull(Policy.NextDelay(3, null, 0.5));
        Assert.Null(Policy.NextDelay(4, null, 0.5));
        Assert.Null(new WriteRetryPolicy(1, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)).NextDelay(1, null, 0.5));
    }

    [Fact]
    public void Backoff_is_capped_at_the_longest_wait()
    {
        var patient = new WriteRetryPolicy(50, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), patient.NextDelay(40, null, 1));
    }

    [Fact]
    public void Retry_after_is_honoured_when_longer_than_the_backoff_and_ends_retries_past_the_longest_wait()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Policy.NextDelay(1, TimeSpan.FromSeconds(1), 1));
        Assert.Equal(TimeSpan.FromMilliseconds(400), Policy.NextDelay(3, TimeSpan.FromMilliseconds(10), 1));
        Assert.Null(Policy.NextDelay(1, TimeSpan.FromSeconds(3), 1));
    }

    [Fact]
    public void Settings_that_make_no_sense_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteRetryPolicy(0, TimeSpan.Zero, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WriteRetryPolicy(3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
    }
}
