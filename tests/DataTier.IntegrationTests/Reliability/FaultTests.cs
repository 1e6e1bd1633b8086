using System.Diagnostics;
using System.Net;
using DataTier.Core.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Reliability;

/// <summary>Faults injected for real under a steady load; each test is bounded in time and prints what the load saw.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FaultTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private List<(string Shard, string Key)> Keys(string prefix) =>
        fixture.Manifest.Shards.SelectMany(s => Enumerable.Range(0, 4).Select(i => (s.Id, fixture.KeyOnShard(s.Id, $"{prefix}{i}")))).ToList();

    [Fact]
    public async Task A_replica_killed_and_restarted_under_load_fails_no_read()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        var load = new LoadRunner(client, Keys("replica-fault"));
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(workers: 8, writeShare: 0.2, readConsistency: "eventual", TimeSpan.FromSeconds(60), stop.Token);
        await Task.Delay(1000);
        var faultStart = DateTime.UtcNow;
        await fixture.Cluster.StopNodeAsync("s1-replica1", immediate: true);
        await Task.Delay(2000);
        await fixture.Cluster.StartNodeAsync("s1-replica1");
        var faultEnd = DateTime.UtcNow;
        await Task.Delay(1000);
        stop.Cancel();
        await running;

        var reads = load.Samples.Where(s => !s.Write).ToList();
        var during = reads.Where(s => s.At >= faultStart && s.At <= faultEnd).ToList();
        output.WriteLine(LoadRunner.Describe("all reads", reads));
        output.WriteLine(LoadRunner.Describe("reads during the fault", during));
        Assert.NotEmpty(during);
        Assert.DoesNotContain(reads, s => s.Status != HttpStatusCode.OK);
        Assert.DoesNotContain(load.Samples, s => s.Status != HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_stopped_primary_fails_its_shard_fast_leaves_other_shards_alone_and_serves_again_after_restart()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        var load = new LoadRunner(client, Keys("primary-fault"));
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(workers: 8, writeShare: 0.5, readConsistency: "strong", TimeSpan.FromSeconds(60), stop.Token);
        await Task.Delay(1000);
        var faultStart = DateTime.UtcNow;
        await fixture.Cluster.StopNodeAsync("s2-primary", immediate: true);
        await Task.Delay(3000);
        var faultEnd = DateTime.UtcNow;
        await fixture.Cluster.StartNodeAsync("s2-primary");
        var restarted = DateTime.UtcNow;
        await Task.Delay(3000);
        stop.Cancel();
        await running;

        var other = load.Samples.Where(s => s.Shard == "s1").ToList();
        var failedShard = load.Samples.Where(s => s.Shard == "s2" && s.At > faultStart.AddMilliseconds(200) && s.At < faultEnd).ToList();
        var afterRestart = load.Samples.Where(s => s.Shard == "s2" && s.At > restarted.AddSeconds(2)).ToList();
        output.WriteLine(LoadRunner.Describe("shard s1 throughout", other));
        output.WriteLine(LoadRunner.Describe("shard s2 while its primary was down", failedShard));
        output.WriteLine(LoadRunner.Describe("shard s2 after restart", afterRestart));
        Assert.DoesNotContain(other, s => s.Status != HttpStatusCode.OK);
        Assert.NotEmpty(failedShard);
        Assert.All(failedShard.Where(s => s.Status != HttpStatusCode.OK), s =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, s.Status);
            Assert.Equal("https://datatier.dev/problems/shard-unavailable", s.ProblemType);
            Assert.True(s.ElapsedMs < 1000, $"a failure took {s.ElapsedMs:F0} ms");
        });
        Assert.NotEmpty(afterRestart);
        Assert.All(afterRestart, s => Assert.Equal(HttpStatusCode.OK, s.Status));
    }

    [Fact]
    public async Task A_hanging_statement_times_out_with_504_and_its_connection_returns_to_the_pool()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "hang");
        var clock = Stopwatch.StartNew();
        var hanging = Api.PostAsync(client, "/v1/query", new { shardKey = team, sql = "select pg_sleep(30)", consistency = "strong", timeoutMs = 500 });
        // Other requests are unaffected meanwhile.
        for (int i = 0; i < 20; i++)
        {
            await Api.OkAsync(client, "/v1/query", new { shardKey = team, sql = "select 1 as one", consistency = "strong", cache = "bypass" });
        }

        Api.AssertProblem(await hanging, HttpStatusCode.GatewayTimeout, "timeout");
        output.WriteLine($"504 after {clock.ElapsedMilliseconds} ms for a 500 ms timeout");
        Assert.True(clock.ElapsedMilliseconds < 2500, $"took {clock.ElapsedMilliseconds} ms");
        var pools = server.Services.GetRequiredService<NodeDataSources>();
        Assert.Equal(0, pools.InUse("s1-primary"));
        await Api.OkAsync(client, "/v1/query", new { shardKey = team, sql = "select 1 as one", consistency = "strong", cache = "bypass" });
    }

    [Fact]
    public async Task Pool_exhaustion_answers_the_overflow_503_with_retry_after_within_the_wait_and_nothing_hangs()
    {
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Pool:MaxPoolSize"] = "3",
            ["DataTier:Pool:ConnectionWaitMs"] = "300",
        });
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s2", "pool");
        var clock = Stopwatch.StartNew();
        var requests = Enumerable.Range(0, 12).Select(async _ =>
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync("/v1/query", System.Net.Http.Json.JsonContent.Create(new { shardKey = team, sql = "select pg_sleep(1.5)", consistency = "strong" }));
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta, Type: (await response.Content.ReadAsStringAsync()), Ms: Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }).ToList();
        var answers = await Task.WhenAll(requests);
        output.WriteLine($"{answers.Count(a => a.StatusCode == HttpStatusCode.OK)} served, {answers.Count(a => a.StatusCode == HttpStatusCode.ServiceUnavailable)} refused in {clock.ElapsedMilliseconds} ms; slowest refusal {answers.Where(a => a.StatusCode != HttpStatusCode.OK).Select(a => a.Ms).DefaultIfEmpty().Max():F0} ms");
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(9, refused.Count);
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.Contains("https://datatier.dev/problems/pool-exhausted", r.Type, StringComparison.Ordinal);
            Assert.NotNull(r.RetryAfter);
            Assert.True(r.Ms < 300 + 700, $"refused after {r.Ms:F0} ms for a 300 ms wait");
        });
        Assert.True(clock.ElapsedMilliseconds < 5000);
    }

    [Fact]
    public async Task A_thousand_concurrent_connections_of_mixed_load_see_no_error_and_memory_stays_bounded()
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("DATATIER_SOAK_SECONDS"), out int s) ? s : 30;
        // The bound is on this test's server and load, but the process also hosted every earlier test's servers:
        // return their garbage to the system first (an aggressive collection decommits freed memory).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var heap = GC.GetGCMemoryInfo();
        output.WriteLine($"working set before the load: {Process.GetCurrentProcess().WorkingSet64 / 1024 / 1024} MB (managed heap {heap.HeapSizeBytes / 1048576} MB, committed {heap.TotalCommittedBytes / 1048576} MB)");
        NativeHeap.Trim();
        output.WriteLine($"working set after malloc_trim: {Process.GetCurrentProcess().WorkingSet64 / 1024 / 1024} MB");
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Pool:MaxPoolSize"] = "40", ["DataTier:Pool:ConnectionWaitMs"] = "10000" });
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        var load = new LoadRunner(client, Keys("soak"));
        long peak = 0;
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Process.GetCurrentProcess().WorkingSet64);
                await Task.Delay(250);
            }
        });
        await load.RunAsync(workers: 1000, writeShare: 0.1, readConsistency: "eventual", TimeSpan.FromSeconds(seconds), CancellationToken.None);
        stop.Cancel();
        await sampling;
        output.WriteLine(LoadRunner.Describe($"1,000 connections for {seconds} s", load.Samples));
        output.WriteLine($"peak working set of the test process (server and load generator together): {peak / 1024 / 1024} MB");
        var failures = load.Samples.Where(x => x.Status != HttpStatusCode.OK).GroupBy(x => $"{(int)x.Status} {x.ProblemType}").Select(g => $"{g.Key}: {g.Count()}");
        Assert.True(load.Samples.All(x => x.Status == HttpStatusCode.OK), string.Join("; ", failures));
        Assert.True(load.Samples.Count > 1000);
        Assert.True(peak < 1024L * 1024 * 1024, $"peak working set {peak / 1024 / 1024} MB");
    }
}
