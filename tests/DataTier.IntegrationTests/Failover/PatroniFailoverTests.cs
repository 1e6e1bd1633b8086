using System.Diagnostics;
using System.Net;
using DataTier.DevCluster;
using DataTier.DevCluster.Patroni;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.IntegrationTests.Switchover;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// A shard's primary killed (SIGKILL of its postmaster) under real Patroni and etcd: Patroni notices, fails over to
/// the synchronous standby, both DataTier instances follow, the other shard never notices, and no acknowledged write
/// is lost. Then the old primary is taken out of Patroni and started by hand as a primary on its old timeline (what a
/// host does when it comes back without its HA agent): DataTier routes nothing to it and flags it.
/// </summary>
[Collection(PatroniFailoverCollection.Name)]
public sealed class PatroniFailoverTests(PatroniClusterFixture cluster, ITestOutputHelper output)
{
    private const string TimelineSql = "select ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

    [Fact(Timeout = 240_000)]
    public async Task Primary_killed_under_Patroni_fails_over_to_the_synchronous_standby_both_instances_follow_and_no_acknowledged_write_is_lost()
    {
        // The first instance also runs the PostgreSQL wire front end, loaded beside HTTP.
        await using var wire = await WireServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        var first = wire.Server;
        await using var second = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        using var appA = first.CreateClient(cluster.Manifest.Keys.App);
        using var appB = second.CreateClient(cluster.Manifest.Keys.App);
        var oldPrimary = cluster.Cluster.GetNode("s1-primary");
        var standby = cluster.Cluster.GetNode("s1-replica1");
        string promotedPort = $":{standby.Port}/";
        Assert.Contains($":{oldPrimary.Port}/", FailoverScenario.PrimaryEndpoint(first), StringComparison.Ordinal);
        var before = await cluster.Cluster.GetPatroniMembersAsync("s1");
        output.WriteLine("Patroni before: " + Describe(before));
        Assert.Contains(before!, m => m.Name == "s1-primary" && m.IsLeader);
        Assert.Contains(before!, m => m.Name == "s1-replica1" && m.IsSyncStandby);

        // Mixed reads and writes through both instances (LoadRunner), inserts whose rows are recorded (WriteLoad, on
        // both instances) and both through the wire front end (WireLoad); each load its own keys and user ids.
        var keys = new[] { "pf-ma", "pf-mb", "pf-ra", "pf-rb", "pf-w" }.ToDictionary(p => p, p => FailoverScenario.Keys(cluster, p));
        var mixedA = new LoadRunner(appA, keys["pf-ma"]);
        var mixedB = new LoadRunner(appB, keys["pf-mb"]);
        var rowsA = new WriteLoad(appA, keys["pf-ra"], firstUser: 0);
        var rowsB = new WriteLoad(appB, keys["pf-rb"], firstUser: 10_000_000);
        var wireLoad = new WireLoad(wire.ConnectionString(), keys["pf-w"], firstUser: 20_000_000);
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(TimeSpan.FromSeconds(150));
        var running = Task.WhenAll(
            mixedA.RunAsync(workers: 3, writeShare: 0.5, readConsistency: "eventual", TimeSpan.FromSeconds(150), stop.Token),
            mixedB.RunAsync(workers: 3, writeShare: 0.5, readConsistency: "eventual", TimeSpan.FromSeconds(150), stop.Token),
            rowsA.RunAsync(workers: 2, stop.Token),
            rowsB.RunAsync(workers: 2, stop.Token),
            wireLoad.RunAsync(workers: 2, stop.Token));
        await Task.Delay(2000);

        var killedAt = DateTime.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        int pid = await cluster.Cluster.KillNodeAsync("s1-primary");
        output.WriteLine($"killed s1-primary's postmaster (PID {pid}) with SIGKILL; its Patroni agent runs on");

        // Both instances switch; watched in-process, every 2 ms, beside the watch on Patroni below, to time them
        // against each other.
        var switching = Task.Run(async () =>
        {
            TimeSpan? a = null, b = null;
            while ((a is null || b is null) && sinceKill.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (a is null && FailoverScenario.PrimaryEndpoint(first).Contains(promotedPort, StringComparison.Ordinal))
                {
                    a = sinceKill.Elapsed;
                }

                if (b is null && FailoverScenario.PrimaryEndpoint(second).Contains(promotedPort, StringComparison.Ordinal))
                {
                    b = sinceKill.Elapsed;
                }

                await Task.Delay(2);
            }

            return (a, b);
        });

        // Patroni, not DataTier, promotes: watched through the agents' REST API every 20 ms. As soon as the standby
        // leads, the old node's agent is stopped, before its next loop (loop_wait 2 s) restarts the old primary as a
        // standby of the new one; from here on the old node is outside Patroni, as on a host whose agent is gone.
        TimeSpan? patroniPromoted = null;
        while (patroniPromoted is null && sinceKill.Elapsed < TimeSpan.FromSeconds(30))
        {
            var members = await cluster.Cluster.GetPatroniMembersAsync("s1");
            if (members is not null && members.Any(m => m.Name == "s1-replica1" && m.IsLeader))
            {
                patroniPromoted = sinceKill.Elapsed;
            }
            else
            {
                await Task.Delay(20);
            }
        }

        Assert.True(patroniPromoted is not null, "Patroni made s1-replica1 the leader within 30 s of the kill");
        bool restartedByPatroni = cluster.Cluster.IsNodeRunning("s1-primary");
        await cluster.Cluster.StopPatroniAgentAsync("s1-primary");
        output.WriteLine($"Patroni made s1-replica1 the leader {patroniPromoted.Value.TotalMilliseconds:F0} ms after the kill; s1-primary's agent stopped {sinceKill.Elapsed.TotalMilliseconds:F0} ms after it (old postgres {(restartedByPatroni ? "already restarted by Patroni" : "still down")})");
        Assert.False(restartedByPatroni, "the old primary was still down when its agent was stopped (else it is no longer on its old timeline)");

        var (switchedFirst, switchedSecond) = await switching;
        Assert.True(switchedFirst is not null && switchedSecond is not null, $"both instances follow the promotion within 30 s of the kill (first: {switchedFirst}, second: {switchedSecond})");
        double apartMs = Math.Abs((switchedFirst!.Value - switchedSecond!.Value).TotalMilliseconds);
        output.WriteLine($"instances routed s1 to the promoted node {switchedFirst.Value.TotalMilliseconds:F0} ms and {switchedSecond.Value.TotalMilliseconds:F0} ms after the kill ({(switchedFirst.Value - patroniPromoted.Value).TotalMilliseconds:F0} / {(switchedSecond.Value - patroniPromoted.Value).TotalMilliseconds:F0} ms after Patroni's leader change), {apartMs:F0} ms apart");
        Assert.True(apartMs <= 1000, $"the instances switched {apartMs:F0} ms apart");

        // The old primary back by hand (pg_ctl, no standby.signal) on its old timeline: a second primary.
        await Task.Delay(1000);
        await KilledNode.StartAgainAsync(cluster.Cluster, "s1-primary");
        Assert.False(await Db.ScalarAsync<bool>(oldPrimary.SuperuserConnectionString, "select pg_is_in_recovery()"), "the old primary is back as a primary");
        int oldTimeline = await Db.ScalarAsync<int>(oldPrimary.SuperuserConnectionString, TimelineSql);
        int newTimeline = await Db.ScalarAsync<int>(standby.SuperuserConnectionString, TimelineSql);
        output.WriteLine($"old primary back as a primary on timeline {oldTimeline}; the promoted node is on timeline {newTimeline}");
        Assert.True(oldTimeline < newTimeline, $"the old primary is on its old timeline ({oldTimeline}, the promoted node {newTimeline})");
        string[] loadKeys = [.. keys.Values.SelectMany(k => k).Where(k => k.Shard == "s1").Select(k => k.Key)];
        long rowsOnOld = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k)", ("k", loadKeys));
        var restartedAt = DateTime.UtcNow;

        foreach (var client in new[] { appA, appB })
        {
            await Db.WaitUntilAsync(async () => (string?)(await Api.GetAsync(client, "/health/detailed")).Body!["checks"]!["nodes"]!["data"]!["s1-replaced1"]!["status"] == "split-brain",
                TimeSpan.FromSeconds(10), "the replaced primary shown as split-brain in /health/detailed");
        }

        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(appB, "/health/ready")).Status);
        Assert.Matches("datatier_replaced_primary_writable\\{shard=\"s1\",node=\"s1-replaced1\",endpoint=\"[^\"]+\"\\} 1", await appA.GetStringAsync("/metrics"));

        // The load goes on for a while with the old primary up: it gets nothing.
        await Task.Delay(3000);
        stop.Cancel();
        await running;
        long rowsOnOldAfter = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k)", ("k", loadKeys));
        output.WriteLine($"old primary: {rowsOnOld} load rows when it came back, {rowsOnOldAfter} after 3 s more load");
        Assert.Equal(rowsOnOld, rowsOnOldAfter);

        // s2 never noticed: reads and writes, HTTP and wire.
        var mixed = mixedA.Samples.Concat(mixedB.Samples).ToList();
        var rowWrites = rowsA.Writes.Concat(rowsB.Writes).ToList();
        var wireAll = wireLoad.Statements.ToList();
        output.WriteLine(LoadRunner.Describe("s2 mixed (HTTP)", mixed.Where(s => s.Shard == "s2").ToList()));
        output.WriteLine(LoadRunner.Describe("s1 writes (HTTP)", mixed.Where(s => s.Shard == "s1" && s.Write).ToList()));
        output.WriteLine(LoadRunner.Describe("s1 reads (HTTP)", mixed.Where(s => s.Shard == "s1" && !s.Write).ToList()));
        output.WriteLine($"recorded inserts (HTTP): {rowWrites.Count}, {rowWrites.Count(w => w.Status != HttpStatusCode.OK)} failed (s2: {rowWrites.Count(w => w.Shard == "s2" && w.Status != HttpStatusCode.OK)}); wire: {wireAll.Count} statements, {wireAll.Count(s => !s.Ok)} failed (s2: {wireAll.Count(s => s.Shard == "s2" && !s.Ok)})");
        foreach (var group in mixed.Where(s => s.Status != HttpStatusCode.OK).GroupBy(s => (s.Shard, s.Write, s.Status, s.ProblemType, Second: (int)Math.Floor((s.At - killedAt).TotalSeconds))).OrderBy(g => g.Key.Second))
        {
            output.WriteLine($"  failed: {group.Key.Shard} {(group.Key.Write ? "write" : "read")} {(int)group.Key.Status} {group.Key.ProblemType} in second {group.Key.Second} after the kill: {group.Count()}");
        }

        Assert.DoesNotContain(mixed, s => s.Shard == "s2" && s.Status != HttpStatusCode.OK);
        Assert.Contains(mixed, s => s.Shard == "s2" && s.At > restartedAt);
        Assert.DoesNotContain(rowWrites, w => w.Shard == "s2" && w.Status != HttpStatusCode.OK);
        Assert.DoesNotContain(wireAll, s => s.Shard == "s2" && !s.Ok);
        Assert.Contains(wireAll, s => s.Shard == "s2" && s.At > restartedAt);

        // s1: the first write after the kill within 15 s, and writes again through both front ends.
        var (outageStart, firstWriteAfterKill) = FailoverScenario.Outage(mixed, killedAt);
        output.WriteLine($"first failed s1 write {(outageStart - killedAt).TotalSeconds:F2} s after the kill, first successful one after it {firstWriteAfterKill.TotalSeconds:F2} s after the kill");
        Assert.True(firstWriteAfterKill.TotalSeconds <= 15, $"first successful write to s1 {firstWriteAfterKill.TotalSeconds:F2} s after the kill");
        Assert.Contains(mixed, s => s.Shard == "s1" && s.Write && s.Status == HttpStatusCode.OK && s.At > restartedAt);
        Assert.Contains(wireAll, s => s.Shard == "s1" && s.Write && s.Ok && s.At > restartedAt);

        // With the synchronous standby, every acknowledged insert is on the promoted node, row by row: those
        // acknowledged before the kill (which the standby had confirmed) and those after (written there).
        var acknowledged = rowWrites.Where(w => w.Shard == "s1" && w.Status == HttpStatusCode.OK).Select(w => (w.Key, w.User, AckedAt: w.StartedAt.AddMilliseconds(w.ElapsedMs))).ToList();
        var wireAcknowledged = wireAll.Where(s => s.Shard == "s1" && s.Write && s.Ok).Select(s => (s.Key, s.User, AckedAt: s.At)).ToList();
        var missing = await AcknowledgedRows.MissingAsync(standby.AdminConnectionString, "switchover", acknowledged.Select(a => (a.Key, a.User)).ToList());
        var wireMissing = await AcknowledgedRows.MissingAsync(standby.AdminConnectionString, WireLoad.Marker, wireAcknowledged.Select(a => (a.Key, a.User)).ToList());
        int beforeKill = acknowledged.Count(a => a.AckedAt < killedAt) + wireAcknowledged.Count(a => a.AckedAt < killedAt);
        output.WriteLine($"acknowledged s1 inserts: {acknowledged.Count + wireAcknowledged.Count} ({beforeKill} before the kill); missing on the promoted node: {missing.Count + wireMissing.Count}");
        Assert.True(beforeKill > 0, "some s1 inserts were acknowledged before the kill");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged HTTP inserts missing, e.g. {string.Join(", ", missing.Take(5))}");
        Assert.True(wireMissing.Count == 0, $"{wireMissing.Count} acknowledged wire inserts missing, e.g. {string.Join(", ", wireMissing.Take(5))}");

        output.WriteLine("Patroni after: " + Describe(await cluster.Cluster.GetPatroniMembersAsync("s1")));
    }

    private static string Describe(IReadOnlyList<PatroniMember>? members) =>
        members is null ? "(no agent answered)" : string.Join(", ", members.Select(m => $"{m.Name} {m.Role} {m.State} timeline {m.Timeline?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}"));
}
