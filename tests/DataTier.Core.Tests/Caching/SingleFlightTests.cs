using DataTier.Core.Caching;

namespace DataTier.Core.Tests.Caching;

public sealed class SingleFlightTests
{
    [Fact]
    public async Task Concurrent_callers_of_one_key_share_one_run()
    {
        var flight = new SingleFlight<int>();
        var release = new TaskCompletionSource();
        int runs = 0;
        async Task<int> Work()
        {
            Interlocked.Increment(ref runs);
            await release.Task;
            return 7;
        }

        // Joined from many threads at once; the work cannot finish before every caller has joined.
        var joined = new Task<int>[64];
        Parallel.For(0, joined.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => joined[i] = flight.Run("k", Work, out bool _));
        release.SetResult();
        Assert.All(await Task.WhenAll(joined), v => Assert.Equal(7, v));
        Assert.Equal(1, runs);
        Assert.Equal(0, flight.Count);
    }

    [Fact]
    public async Task A_finished_run_leaves_so_the_next_caller_starts_anew()
    {
        var flight = new SingleFlight<int>();
        int runs = 0;
        Assert.Equal(1, await flight.Run("k", () => Task.FromResult(Interlocked.Increment(ref runs)), out bool first));
        Assert.Equal(2, await flight.Run("k", () => Task.FromResult(Interlocked.Increment(ref runs)), out bool second));
        Assert.True(first);
        Assert.True(second);
    }

    [Fact]
    public async Task A_failed_run_fails_its_joiners_and_does_not_stick()
    {
        var flight = new SingleFlight<int>();
        var release = new TaskCompletionSource();
        var a = flight.Run("k", async () =>
        {
            await release.Task;
            throw new InvalidOperationException("boom");
        }, out _);
        var b = flight.Run("k", () => Task.FromResult(1), out bool started);
        Assert.False(started);
        release.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => a);
        await Assert.ThrowsAsync<InvalidOperationException>(() => b);
        Assert.Equal(5, await flight.Run("k", () => Task.FromResult(5), out _));
    }
}
