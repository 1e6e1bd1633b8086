using DataTier.Core.Caching;

namespace DataTier.Core.Tests.Caching;

public sealed class FreshReadTests
{
    [Fact]
    public async Task A_caller_arriving_during_a_read_gets_a_read_started_after_it_arrived()
    {
        int version = 0;
        var gates = new Queue<TaskCompletionSource>();
        var reader = new FreshRead<int>(async () =>
        {
            int seen = Volatile.Read(ref version);
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (gates)
            {
                gates.Enqueue(gate);
            }

            await gate.Task;
            return seen;
        });

        var first = reader.ReadAsync();
        Interlocked.Increment(ref version); // a write completes while the first read is in flight
        var second = reader.ReadAsync();
        Release(gates);
        Assert.Equal(0, await first);
        await WaitForAsync(() => gates.Count == 1);
        Release(gates);
        Assert.Equal(1, await second);
    }

    [Fact]
    public async Task Many_callers_during_one_read_share_the_next_read()
    {
        int reads = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new FreshRead<int>(async () =>
        {
            int n = Interlocked.Increment(ref reads);
            await gate.Task;
            return n;
        });

        var first = reader.ReadAsync();
        var later = Enumerable.Range(0, 100).Select(_ => reader.ReadAsync()).ToArray();
        gate.SetResult();
        Assert.Equal(1, await first);
        Assert.All(await Task.WhenAll(later), v => Assert.Equal(2, v));
        Assert.Equal(2, reads);
        Assert.Equal(3, await reader.ReadAsync());
    }

    [Fact]
    public async Task A_failed_read_fails_only_its_callers_and_the_next_read_runs()
    {
        int reads = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = new FreshRead<int>(async () =>
        {
            int n = Interlocked.Increment(ref reads);
            await gate.Task;
            return n == 1 ? throw new TimeoutException("slow") : n;
        });

        var first = reader.ReadAsync();
        var second = reader.ReadAsync();
        gate.SetResult();
        await Assert.ThrowsAsync<TimeoutException>(() => first);
        Assert.Equal(2, await second);
    }

    private static void Release(Queue<TaskCompletionSource> gates)
    {
        lock (gates)
        {
            gates.Dequeue().SetResult();
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
