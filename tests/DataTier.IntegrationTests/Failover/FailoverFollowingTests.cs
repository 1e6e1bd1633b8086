using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using DataTier.Core.Topology;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// A shard's primary killed (SIGKILL) under load, its replica promoted by hand (<c>pg_ctl promote</c>, no HA
/// manager): every DataTier instance follows, the other shard never notices, and the old primary started again as a
/// primary on its old timeline gets nothing.
/// </summary>
[Collection(FailoverClusterCollection.Name)]
public sealed class FailoverFollowingTests(ClusterFixture cluster, ITestOutputHelper output)
{
    private List<(string Shard, string Key)> Keys(string prefix) => FailoverScenario.Keys(cluster, prefix);

    private static string PrimaryEndpoint(DataTierServer server) => FailoverScenario.PrimaryEndpoint(server);

    [Fact(Timeout = 240_000)]
    public async Task A_primary_killed_and_its_replica_promoted_by_pg_ctl_is_followed_by_both_instances_and_the_old_primary_gets_no_write()
    {
        // The first instance also runs the PostgreSQL wire front end, loaded beside HTTP.
        await using var wire = await WireServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        var first = wire.Server;
        await using var second = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        using var appA = first.CreateClient(cluster.Manifest.Keys.App);
        using var appB = second.CreateClient(cluster.Manifest.Keys.App);
        using var adminA = first.CreateClient(cluster.Manifest.Keys.Admin);
        using var adminB = second.CreateClient(cluster.Manifest.Keys.Admin);
        var oldPrimary = cluster.Cluster.GetNode("s1-primary");
        var replica = cluster.Cluster.GetNode("s1-replica1");
        string promotedPort = $":{replica.Port}/";
        Assert.Contains($":{oldPrimary.Port}/", PrimaryEndpoint(first), StringComparison.Ordinal);
        long versionBefore = first.Services.GetRequiredService<ITopologyProvider>().Current.Version;

        // A session token whose s1 LSN is from the old timeline, for a read after the failover.
        string sessionKey = cluster.KeyOnShard("s1", "fo-session");
        var written = await Api.OkAsync(appA, "/v1/execute", new { shardKey = sessionKey, sql = "insert into users (team_id, user_id, email) values (@t, 1, 'session')", @params = new { t = sessionKey } });
        string token = (string)written["token"]!;

        // Each instance loads keys of its own (user ids are per load, so two loads on one key would collide).
        var keysA = Keys("fo-a");
        var keysB = Keys("fo-b");
        var keysWire = Keys("fo-w");
        var loadA = new LoadRunner(appA, keysA);
        var loadB = new LoadRunner(appB, keysB);
        var wireSamples = new ConcurrentQueue<WireSample>();
        using var stop = new CancellationTokenSource();
        stop.CancelAfter(TimeSpan.FromSeconds(120));
        var running = Task.WhenAll(
            loadA.RunAsync(workers: 4, writeShare: 0.5, readConsistency: "eventual", TimeSpan.FromSeconds(120), stop.Token),
            loadB.RunAsync(workers: 4, writeShare: 0.5, readConsistency: "eventual", TimeSpan.FromSeconds(120), stop.Token),
            RunWireLoadAsync(wire.ConnectionString(), keysWire, wireSamples, worker: 0, stop.Token),
            RunWireLoadAsync(wire.ConnectionString(), keysWire, wireSamples, worker: 1, stop.Token));
        await Task.Delay(1500);

        var killedAt = DateTime.UtcNow;
        var sinceKill = Stopwatch.StartNew();
        int pid = await cluster.Cluster.KillNodeAsync("s1-primary");
        output.WriteLine($"killed s1-primary (PID {pid}) with SIGKILL");

        // DataTier follows promotions and makes none: with the primary dead and the replica still in recovery,
        // nothing changes however long it lasts (here 12 probe intervals).
        await Task.Delay(3000);
        Assert.True(await Db.ScalarAsync<bool>(replica.SuperuserConnectionString, "select pg_is_in_recovery()"), "the replica is still a standby");
        Assert.Equal(versionBefore, first.Services.GetRequiredService<ITopologyProvider>().Current.Version);
        Assert.Equal(versionBefore, second.Services.GetRequiredService<ITopologyProvider>().Current.Version);
        Assert.Contains($":{oldPrimary.Port}/", PrimaryEndpoint(second), StringComparison.Ordinal);

        await cluster.Cluster.PromoteNodeAsync("s1-replica1");
        var promoted = sinceKill.Elapsed;
        output.WriteLine($"pg_ctl promote of s1-replica1 done {promoted.TotalMilliseconds:F0} ms after the kill");

        // Both instances switch; watched in-process, every 2 ms, to time them against each other.
        TimeSpan? switchedFirst = null, switchedSecond = null;
        while ((switchedFirst is null || switchedSecond is null) && sinceKill.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (switchedFirst is null && PrimaryEndpoint(first).Contains(promotedPort, StringComparison.Ordinal))
            {
                switchedFirst = sinceKill.Elapsed;
            }

            if (switchedSecond is null && PrimaryEndpoint(second).Contains(promotedPort, StringComparison.Ordinal))
            {
                switchedSecond = sinceKill.Elapsed;
            }

            await Task.Delay(2);
        }

        Assert.True(switchedFirst is not null && switchedSecond is not null, $"both instances follow the promotion within 30 s of the kill (first: {switchedFirst}, second: {switchedSecond})");
        double apartMs = Math.Abs((switchedFirst!.Value - switchedSecond!.Value).TotalMilliseconds);
        output.WriteLine($"instances switched {switchedFirst.Value.TotalMilliseconds:F0} ms and {switchedSecond.Value.TotalMilliseconds:F0} ms after the kill ({(switchedFirst.Value - promoted).TotalMilliseconds:F0} / {(switchedSecond.Value - promoted).TotalMilliseconds:F0} ms after the promotion), {apartMs:F0} ms apart");
        Assert.True(apartMs <= 1000, $"the instances switched {apartMs:F0} ms apart");
        long versionAfter = first.Services.GetRequiredService<ITopologyProvider>().Current.Version;
        Assert.Equal(versionBefore + 1, versionAfter);
        Assert.Equal(versionAfter, second.Services.GetRequiredService<ITopologyProvider>().Current.Version);

        // Written once, however many instances saw it: one new version in the catalog.
        Assert.Equal(versionBefore + 1, await Db.ScalarAsync<long>(cluster.Manifest.Catalog, "select max(version) from datatier.topology_versions"));
        Assert.Equal(1, await Db.ScalarAsync<long>(cluster.Manifest.Catalog, "select count(*) from datatier.topology_versions where version > @v", ("v", versionBefore)));

        // Both show it in /admin/topology, with the old primary listed as replaced.
        foreach (var admin in new[] { adminA, adminB })
        {
            var (_, topology) = await Api.GetAsync(admin, "/admin/topology");
            var s1 = topology!["shards"]!.AsArray().Single(s => (string?)s!["id"] == "s1")!;
            Assert.Contains(promotedPort, (string?)s1["primary"]!["endpoint"], StringComparison.Ordinal);
            Assert.Contains($":{oldPrimary.Port}/", (string?)s1["replaced"]![0]!["endpoint"], StringComparison.Ordinal);
            Assert.True((int)s1["primaryTimeline"]! >= 2, s1.ToJsonString());
        }

        // A session token from the old timeline does not hold reads up on the new primary.
        var session = Stopwatch.StartNew();
        var (sessionStatus, sessionBody) = await Api.PostAsync(appB, "/v1/query", new { shardKey = sessionKey, sql = "select count(*) as n from users where team_id = @t", @params = new { t = sessionKey }, consistency = "session", token });
        Assert.True(sessionStatus == HttpStatusCode.OK, $"session read after the failover: {(int)sessionStatus} {sessionBody?.ToJsonString()}");
        Assert.True(session.ElapsedMilliseconds < 2000, $"session read took {session.ElapsedMilliseconds} ms");

        // The old primary comes back as a primary on its old timeline (no standby.signal: a split brain).
        await Task.Delay(1000);
        await KilledNode.StartAgainAsync(cluster.Cluster, "s1-primary");
        Assert.False(await Db.ScalarAsync<bool>(oldPrimary.SuperuserConnectionString, "select pg_is_in_recovery()"), "the old primary is back as a primary");
        string[] loadKeys = [.. keysA.Concat(keysB).Concat(keysWire).Where(k => k.Shard == "s1").Select(k => k.Key)];
        long rowsOnOld = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k)", ("k", loadKeys));
        long commitsOnOld = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select xact_commit from pg_stat_database where datname = current_database()");
        var restartedAt = DateTime.UtcNow;

        // Flagged: health, topology and the gauge the alert rule watches.
        // Each instance flags it from its own next probe round: wait for both, with the same bound.
        foreach (var client in new[] { appA, appB })
        {
            await Db.WaitUntilAsync(async () => (string?)(await Api.GetAsync(client, "/health/detailed")).Body!["checks"]!["nodes"]!["data"]!["s1-replaced1"]!["status"] == "split-brain",
                TimeSpan.FromSeconds(10), "the replaced primary shown as split-brain in /health/detailed");
        }

        var (detailedStatus, detailed) = await Api.GetAsync(appB, "/health/detailed");
        Assert.Equal(HttpStatusCode.OK, detailedStatus);
        Assert.Equal("split-brain", (string?)detailed!["checks"]!["nodes"]!["data"]!["s1-replaced1"]!["status"]);
        Assert.Equal("degraded", (string?)detailed["checks"]!["nodes"]!["status"]);
        Assert.Equal(HttpStatusCode.OK, (await Api.GetAsync(appB, "/health/ready")).Status);
        string metrics = await appA.GetStringAsync("/metrics");
        Assert.Contains("datatier_replaced_primary_writable{shard=\"s1\",node=\"s1-replaced1\"", metrics, StringComparison.Ordinal);
        Assert.Matches("datatier_replaced_primary_writable\\{shard=\"s1\",node=\"s1-replaced1\",endpoint=\"[^\"]+\"\\} 1", metrics);
        Assert.Contains(first.Logs.Lines, l => l.Contains($"[{Core.Diagnostics.LogEventIds.ReplacedPrimaryWritable}]", StringComparison.Ordinal));
        int followedLogs = first.Logs.Lines.Concat(second.Logs.Lines).Count(l => l.Contains($"[{Core.Diagnostics.LogEventIds.FailoverFollowed}]", StringComparison.Ordinal));
        Assert.True(followedLogs == 1, $"exactly one instance wrote the change ({followedLogs} FailoverFollowed events)");

        // The load goes on for a while with the old primary up: it gets nothing.
        await Task.Delay(3000);
        stop.Cancel();
        await running;
        long rowsOnOldAfter = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k)", ("k", loadKeys));
        long commitsOnOldAfter = await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select xact_commit from pg_stat_database where datname = current_database()");
        output.WriteLine($"old primary: {rowsOnOld} load rows at restart, {rowsOnOldAfter} after 3 s more load; commits in its database {commitsOnOld} -> {commitsOnOldAfter} (the probes' and this test's own reads)");
        Assert.Equal(rowsOnOld, rowsOnOldAfter);

        var samples = loadA.Samples.Concat(loadB.Samples).ToList();
        var s2 = samples.Where(s => s.Shard == "s2").ToList();
        var s1Writes = samples.Where(s => s.Shard == "s1" && s.Write).ToList();
        foreach (var group in samples.Where(s => s.Status != HttpStatusCode.OK).GroupBy(s => (s.Shard, s.Write, s.Status, s.ProblemType, Second: (int)Math.Floor((s.At - killedAt).TotalSeconds))).OrderBy(g => g.Key.Second))
        {
            output.WriteLine($"  failed: {group.Key.Shard} {(group.Key.Write ? "write" : "read")} {(int)group.Key.Status} {group.Key.ProblemType} in second {group.Key.Second} after the kill: {group.Count()}");
        }

        var (outageStart, firstWriteAfterKill) = FailoverScenario.Outage(samples, killedAt);
        double firstWriteSeconds = firstWriteAfterKill.TotalSeconds;
        output.WriteLine(LoadRunner.Describe("s2", s2));
        output.WriteLine(LoadRunner.Describe("s1 writes", s1Writes));
        output.WriteLine(LoadRunner.Describe("s1 reads", samples.Where(s => s.Shard == "s1" && !s.Write).ToList()));
        output.WriteLine($"first failed s1 write {(outageStart - killedAt).TotalSeconds:F2} s after the kill, first successful one after it {firstWriteSeconds:F2} s after the kill");
        Assert.True(firstWriteSeconds <= 15, $"first successful write to s1 {firstWriteSeconds:F2} s after the kill");
        Assert.Contains(s2, s => s.At > restartedAt);
        Assert.DoesNotContain(s2, s => s.Status != HttpStatusCode.OK);
        // s1 writes fail only while it has no primary, and as a 503 the client may retry.
        Assert.All(s1Writes.Where(s => s.Status != HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s.Status));
        Assert.DoesNotContain(s1Writes, s => s.Status != HttpStatusCode.OK && s.At > killedAt + switchedSecond.Value + TimeSpan.FromSeconds(1));
        Assert.Contains(s1Writes, s => s.Status == HttpStatusCode.OK && s.At > restartedAt);

        // The wire front end: the same, through Npgsql.
        var wireAll = wireSamples.ToList();
        foreach (var group in wireAll.Where(s => !s.Ok).GroupBy(s => (s.Shard, s.Write, s.SqlState, Second: (int)Math.Floor((s.At - killedAt).TotalSeconds))).OrderBy(g => g.Key.Second))
        {
            output.WriteLine($"  wire failed: {group.Key.Shard} {(group.Key.Write ? "write" : "read")} {group.Key.SqlState} in second {group.Key.Second} after the kill: {group.Count()}");
        }

        output.WriteLine($"wire: s2 {wireAll.Count(s => s.Shard == "s2")} statements, {wireAll.Count(s => s.Shard == "s2" && !s.Ok)} failed; s1 {wireAll.Count(s => s.Shard == "s1")} statements, {wireAll.Count(s => s.Shard == "s1" && !s.Ok)} failed");
        Assert.Contains(wireAll, s => s.Shard == "s2" && s.At > restartedAt);
        Assert.DoesNotContain(wireAll, s => s.Shard == "s2" && !s.Ok);
        Assert.Contains(wireAll, s => s.Shard == "s1" && s.Write && s.Ok && s.At > restartedAt);
        Assert.DoesNotContain(wireAll, s => s.Shard == "s1" && !s.Ok && s.At > killedAt + switchedFirst.Value + TimeSpan.FromSeconds(1));
    }

    private sealed record WireSample(string Shard, bool Write, bool Ok, string? SqlState, DateTime At);

    // One wire client looping over writes and reads of the given keys until stopped; a failed statement is recorded
    // with its SQLSTATE (or exception type) and the loop goes on with a new connection from the pool.
    private static async Task RunWireLoadAsync(string connectionString, IReadOnlyList<(string Shard, string Key)> keys, ConcurrentQueue<WireSample> samples, int worker, CancellationToken stop)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        var random = new Random(100 + worker);
        long user = worker * 1_000_000L;
        while (!stop.IsCancellationRequested)
        {
            var (shard, key) = keys[random.Next(keys.Count)];
            bool write = random.Next(2) == 0;
            try
            {
                await using var connection = await source.OpenConnectionAsync(stop);
                await using var command = write
                    ? new NpgsqlCommand("insert into users (team_id, user_id, email) values ($1, $2, 'wire')", connection) { Parameters = { new() { Value = key }, new() { Value = ++user } } }
                    : new NpgsqlCommand("select count(*) from users where team_id = $1", connection) { Parameters = { new() { Value = key } } };
                await command.ExecuteScalarAsync(stop);
                samples.Enqueue(new WireSample(shard, write, true, null, DateTime.UtcNow));
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                samples.Enqueue(new WireSample(shard, write, false, (e as PostgresException)?.SqlState ?? e.GetType().Name, DateTime.UtcNow));
            }
        }
    }
}
