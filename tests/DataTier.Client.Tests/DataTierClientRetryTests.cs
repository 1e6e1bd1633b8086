using System.Diagnostics;
using System.Net;
using DataTier.Client;

namespace DataTier.Client.Tests;

/// <summary>The client's retries of writes, against a scripted fake at the HttpClient seam (no server).</summary>
public sealed class DataTierClientRetryTests
{
    private static DataTierClient Client(ScriptedHandler handler, int attempts = 4, TimeSpan? baseDelay = null) =>
        new(new HttpClient(handler) { BaseAddress = new Uri("http://datatier.test") }, new DataTierClientOptions
        {
            ApiKey = "k",
            MaxWriteAttempts = attempts,
            RetryBaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromSeconds(10),
        });

    [Fact]
    public async Task A_dropped_write_is_sent_again_with_the_same_key()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Drop, ScriptedHandler.Drop, ScriptedHandler.Written);

        var result = await Client(handler).ExecuteAsync("team", "delete from teams where false");

        Assert.Equal(1, result.RowsAffected);
        Assert.Equal(3, handler.Keys.Count);
        Assert.NotNull(handler.Keys[0]);
        Assert.All(handler.Keys, k => Assert.Equal(handler.Keys[0], k));
    }

    [Fact]
    public async Task Each_logical_write_gets_a_new_key()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Written, ScriptedHandler.Answer(HttpStatusCode.OK, """{"results":[{"rowsAffected":0,"rows":[]}],"shard":"s1","token":"tok"}"""));
        var client = Client(handler);

        await client.ExecuteAsync("team", "delete from teams where false");
        await client.TransactionAsync("team", [new Statement("delete from teams where false")]);

        Assert.Equal(2, handler.Keys.Distinct().Count());
        Assert.DoesNotContain(null, handler.Keys);
    }

    [Fact]
    public async Task Attempts_are_bounded_and_the_last_failure_is_thrown()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Drop);

        await Assert.ThrowsAsync<HttpRequestException>(() => Client(handler, attempts: 3).ExecuteAsync("team", "delete from teams where false"));

        Assert.Equal(3, handler.Keys.Count);
    }

    [Fact]
    public async Task A_503_shard_unavailable_is_retried_after_its_retry_after()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Problem(HttpStatusCode.ServiceUnavailable, "shard-unavailable", TimeSpan.FromSeconds(1)), ScriptedHandler.Written);
        var clock = Stopwatch.StartNew();

        var result = await Client(handler).ExecuteAsync("team", "delete from teams where false");

        Assert.Equal("s1", result.Shard);
        Assert.Equal(2, handler.Keys.Count);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.95), $"retried after {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, "conflict")]
    [InlineData(HttpStatusCode.UnprocessableEntity, "idempotency-key-reused")]
    [InlineData(HttpStatusCode.GatewayTimeout, "timeout")]
    public async Task An_answer_that_decided_the_write_is_not_retried(HttpStatusCode status, string code)
    {
        var handler = new ScriptedHandler(ScriptedHandler.Problem(status, code), ScriptedHandler.Written);

        var error = await Assert.ThrowsAnyAsync<DataTierException>(() => Client(handler).ExecuteAsync("team", "delete from teams where false"));

        Assert.Equal(code, error.Code);
        Assert.Single(handler.Keys);
    }

    [Fact]
    public async Task The_callers_cancellation_ends_the_backoff_at_once()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Drop, ScriptedHandler.Written);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(handler, baseDelay: TimeSpan.FromSeconds(8)).ExecuteAsync("team", "delete from teams where false", cancellationToken: cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"cancelled after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Single(handler.Keys);
    }

    [Fact]
    public async Task Reads_carry_no_key_and_are_not_retried()
    {
        var handler = new ScriptedHandler(ScriptedHandler.Drop, ScriptedHandler.Written);

        await Assert.ThrowsAsync<HttpRequestException>(() => Client(handler).QueryAsync<object>("team", "select 1"));

        Assert.Equal([null], handler.Keys);
    }
}
