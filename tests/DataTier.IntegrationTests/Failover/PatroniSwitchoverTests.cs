using System.Net;
using DataTier.Core.Topology;
using DataTier.DevCluster.Patroni;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.IntegrationTests.Switchover;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// A planned switchover of a Patroni-managed shard under a write load on two DataTier instances: DataTier fences the
/// writes and asks Patroni (POST /switchover) to promote the standby; Patroni stops the old primary and restarts it
/// as the new one's standby. No write fails, no acknowledged row is lost, and DataTier routes to the new primary only.
/// </summary>
[Collection(PatroniSwitchoverCollection.Name)]
public sealed class PatroniSwitchoverTests(PatroniClusterFixture cluster, ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task Switchover_through_Patroni_under_write_load_fails_no_write_loses_no_row_and_routes_only_to_the_new_primary()
    {
        await using var first = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        await using var second = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        using var appA = first.CreateClient(cluster.Manifest.Keys.App);
        using var appB = second.CreateClient(cluster.Manifest.Keys.App);
        using var admin = first.CreateClient(cluster.Manifest.Keys.Admin);
        var oldPrimary = cluster.Cluster.GetNode("s1-primary");
        var replica = cluster.Cluster.GetNode("s1-replica1");
        string newPort = $":{replica.Port}/";
        Assert.Contains($":{oldPrimary.Port}/", FailoverScenario.PrimaryEndpoint(first), StringComparison.Ordinal);
        Assert.Contains((await cluster.Cluster.GetPatroniMembersAsync("s1"))!, m => m.Name == "s1-primary" && m.IsLeader);

        var loadA = new WriteLoad(appA, FailoverScenario.Keys(cluster, "ps-a"), firstUser: 0);
        var loadB = new WriteLoad(appB, FailoverScenario.Keys(cluster, "ps-b"), firstUser: 10_000_000);
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(TimeSpan.FromSeconds(120));
        var running = Task.WhenAll(loadA.RunAsync(workers: 4, stop.Token), loadB.RunAsync(workers: 4, stop.Token));
        await Task.Delay(2000);

        var switchStarted = DateTime.UtcNow;
        var (status, body) = await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { to = "s1-replica1" });
        var switchEnded = DateTime.UtcNow;
        Assert.True(status == HttpStatusCode.OK, $"switchover: {(int)status} {body?.ToJsonString()}");
        output.WriteLine($"switchover answer: {body!.ToJsonString()}");
        Assert.Contains(newPort, (string?)body["to"], StringComparison.Ordinal);
        Assert.Contains(first.Logs.Lines, l => l.Contains($"[{Core.Diagnostics.LogEventIds.PatroniSwitchoverDone}]", StringComparison.Ordinal));

        // Patroni agrees: the standby leads, and the old primary comes back as its standby by Patroni's own doing.
        IReadOnlyList<PatroniMember>? members = null;
        await Db.WaitUntilAsync(async () =>
        {
            members = await cluster.Cluster.GetPatroniMembersAsync("s1");
            return members is not null && members.Any(m => m.Name == "s1-replica1" && m.IsLeader)
                && members.Any(m => m.Name == "s1-primary" && !m.IsLeader && m.State is "running" or "streaming");
        }, TimeSpan.FromSeconds(30), "Patroni to list s1-replica1 as leader and s1-primary as a running standby");
        output.WriteLine("Patroni after: " + string.Join(", ", members!.Select(m => $"{m.Name} {m.Role} {m.State} timeline {m.Timeline}")));
        Assert.True(await Db.ScalarAsync<bool>(oldPrimary.SuperuserConnectionString, "select pg_is_in_recovery()"), "the old primary rejoined as a standby");

        // Both instances route s1 to the new primary; the old one is kept as replaced (probed, never routed to).
        await Db.WaitUntilAsync(() => Task.FromResult(FailoverScenario.PrimaryEndpoint(second).Contains(newPort, StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "the second instance routes s1 to the new primary");
        Assert.Contains(newPort, FailoverScenario.PrimaryEndpoint(first), StringComparison.Ordinal);
        foreach (var server in new[] { first, second })
        {
            var s1 = server.Services.GetRequiredService<ITopologyProvider>().Current.ShardsById["s1"];
            Assert.Contains(s1.Replaced, n => n.Endpoint.Contains($":{oldPrimary.Port}/", StringComparison.Ordinal));
            Assert.DoesNotContain(s1.Replicas, n => n.Endpoint.Contains($":{oldPrimary.Port}/", StringComparison.Ordinal));
        }

        await Task.Delay(2000);
        stop.Cancel();
        await running;

        var writes = loadA.Writes.Concat(loadB.Writes).ToList();
        var s1Writes = writes.Where(w => w.Shard == "s1").ToList();
        var s2Writes = writes.Where(w => w.Shard == "s2").ToList();
        double pause = (double)body["writePauseMs"]!;
        double gap = LongestGap(s1Writes, switchStarted, switchEnded);
        output.WriteLine($"{writes.Count} writes ({s1Writes.Count} on s1, {s2Writes.Count} on s2), {writes.Count(w => w.Status != HttpStatusCode.OK)} failed");
        output.WriteLine($"write pause held by the switchover (server): {pause:F0} ms (catch-up {body["catchUpMs"]} ms, promotion through Patroni {body["promoteMs"]} ms); switchover request {(switchEnded - switchStarted).TotalMilliseconds:F0} ms");
        output.WriteLine($"longest time without an acknowledged s1 write around the switchover: {gap:F0} ms; longest single s1 write {s1Writes.Max(w => w.ElapsedMs):F0} ms, on s2 {s2Writes.Max(w => w.ElapsedMs):F0} ms");
        foreach (var failed in writes.Where(w => w.Status != HttpStatusCode.OK).GroupBy(w => (w.Shard, w.Status, w.ProblemType)))
        {
            output.WriteLine($"  failed: {failed.Key.Shard} {(int)failed.Key.Status} {failed.Key.ProblemType}: {failed.Count()}");
        }

        Assert.DoesNotContain(writes, w => w.Status != HttpStatusCode.OK);
        Assert.Contains(loadA.Writes, w => w.Shard == "s1" && w.StartedAt > switchEnded);
        Assert.Contains(loadB.Writes, w => w.Shard == "s1" && w.StartedAt > switchEnded);

        // Every acknowledged write is on the new primary (s1) or on s2's primary, row by row.
        var missing = await AcknowledgedRows.MissingAsync(replica.AdminConnectionString, "switchover", s1Writes.Select(w => (w.Key, w.User)).ToList());
        string s2Primary = first.Services.GetRequiredService<ITopologyProvider>().Current.ShardsById["s2"].Primary.ConnectionString;
        missing.AddRange(await AcknowledgedRows.MissingAsync(s2Primary, "switchover", s2Writes.Select(w => (w.Key, w.User)).ToList()));
        output.WriteLine($"acknowledged writes missing: {missing.Count} of {writes.Count}");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged writes are missing, e.g. {string.Join(", ", missing.Take(5))}");

        // Reported against the 1 s target of a pg_promote switchover, not held to it: Patroni's demote (a
        // checkpoint and a fast shutdown) and its next HA loop come first. Bounded so that a hang fails.
        Assert.True(gap < 10_000, $"no s1 write was acknowledged for {gap:F0} ms");
    }

    // The longest stretch, from before the switchover started to after it ended, with no s1 write acknowledged.
    private static double LongestGap(IEnumerable<WriteLoad.Write> writes, DateTime from, DateTime to)
    {
        var acknowledged = writes.Where(w => w.Status == HttpStatusCode.OK).Select(w => w.StartedAt.AddMilliseconds(w.ElapsedMs)).Order().ToList();
        var before = acknowledged.Where(t => t <= from).DefaultIfEmpty(from).Max();
        Assert.Contains(acknowledged, t => t > to);
        var after = acknowledged.First(t => t > to);
        var window = acknowledged.Where(t => t >= before && t <= after).ToList();
        return window.Zip(window.Skip(1), (a, b) => (b - a).TotalMilliseconds).DefaultIfEmpty(0).Max();
    }
}
