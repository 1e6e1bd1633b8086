using System.Diagnostics;
using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// With the topology in configuration there is nothing shared to write: each instance follows a promotion in memory,
/// and one started later from the same, now stale, configuration routes by the promoted node before it is ready.
/// </summary>
[Collection(ConfiguredFailoverClusterCollection.Name)]
public sealed class ConfiguredFailoverFollowingTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private List<(string Shard, string Key)> Keys(string prefix) => FailoverScenario.Keys(cluster, prefix);

    private static string PrimaryEndpoint(DataTierServer server) => FailoverScenario.PrimaryEndpoint(server);

    [Fact(Timeout = 180_000)]
    public async Task A_configured_topology_follows_in_memory_and_an_instance_started_later_from_it_never_writes_to_the_old_primary()
    {
        await using var first = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: false));
        using var appA = first.CreateClient(cluster.Manifest.Keys.App);
        var oldPrimary = cluster.Cluster.GetNode("s1-primary");
        var replica = cluster.Cluster.GetNode("s1-replica1");
        string promotedPort = $":{replica.Port}/";
        var keysA = Keys("cf-a");
        var loadA = new LoadRunner(appA, keysA);
        using var stop = new CancellationTokenSource();
        var runningA = loadA.RunAsync(workers: 4, writeShare: 0.5, readConsistency: "eventual", TimeSpan.FromSeconds(90), stop.Token);
        await Task.Delay(1000);

        var killedAt = DateTime.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        await cluster.Cluster.KillNodeAsync("s1-primary");
        await cluster.Cluster.PromoteNodeAsync("s1-replica1");
        var promoted = sinceKill.Elapsed;
        while (!PrimaryEndpoint(first).Contains(promotedPort, StringComparison.Ordinal) && sinceKill.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(2);
        }

        var switched = sinceKill.Elapsed;
        output.WriteLine($"promoted {promoted.TotalMilliseconds:F0} ms after the kill, followed in memory {(switched - promoted).TotalMilliseconds:F0} ms later");
        Assert.Contains(promotedPort, PrimaryEndpoint(first), StringComparison.Ordinal);

        // The old primary back as a primary on its old timeline; then a second instance from the same configuration,
        // which still names it as s1's primary.
        await Task.Delay(500);
        await KilledNode.StartAgainAsync(cluster.Cluster, "s1-primary");
        var keysB = Keys("cf-b");
        string[] s1Keys = [.. keysA.Concat(keysB).Where(k => k.Shard == "s1").Select(k => k.Key)];
        long rowsOnOld = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k)", ("k", s1Keys));
        await using var second = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: false));
        Assert.Contains(promotedPort, PrimaryEndpoint(second), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(second.CreateClient(null), "/health/ready")).Status);
        using var appB = second.CreateClient(cluster.Manifest.Keys.App);
        var loadB = new LoadRunner(appB, keysB);
        await loadB.RunAsync(workers: 4, writeShare: 0.5, readConsistency: "eventual", TimeSpan.FromSeconds(3), stop.Token);
        stop.Cancel();
        await runningA;

        var (_, detailed) = await Api.GetAsync(appB, "/health/detailed");
        Assert.Equal("split-brain", (string?)detailed!["checks"]!["nodes"]!["data"]!["s1-replaced1"]!["status"]);
        long rowsOnOldAfter = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k)", ("k", s1Keys));
        output.WriteLine($"old primary: {rowsOnOld} load rows when it came back, {rowsOnOldAfter} after the second instance's load");
        Assert.Equal(rowsOnOld, rowsOnOldAfter);

        var samplesA = loadA.Samples.ToList();
        var samplesB = loadB.Samples.ToList();
        output.WriteLine(LoadRunner.Describe("first instance, s2", samplesA.Where(s => s.Shard == "s2").ToList()));
        output.WriteLine(LoadRunner.Describe("first instance, s1", samplesA.Where(s => s.Shard == "s1").ToList()));
        output.WriteLine(LoadRunner.Describe("second instance", samplesB));
        Assert.DoesNotContain(samplesA, s => s.Shard == "s2" && s.Status != HttpStatusCode.OK);
        Assert.Contains(samplesB, s => s.Shard == "s1" && s.Write && s.Status == HttpStatusCode.OK);
        Assert.DoesNotContain(samplesB, s => s.Status != HttpStatusCode.OK);
        double firstWriteSeconds = FailoverScenario.Outage(samplesA, killedAt).FirstWriteAfterKill.TotalSeconds;
        output.WriteLine($"first successful s1 write through the first instance {firstWriteSeconds:F2} s after the kill");
        Assert.True(firstWriteSeconds <= 15, $"first successful write to s1 {firstWriteSeconds:F2} s after the kill");
    }
}
