using System.Net;
using DataTier.Core.Topology;
using DataTier.IntegrationTests.Failover;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Switchover;

/// <summary>
/// Planned switchovers on a cluster of their own: s1 through the admin endpoint under a write load on two DataTier
/// instances, s2 through the CLI. Each promotes the shard's only replica, so each shard is switched over once.
/// </summary>
[Collection(SwitchoverClusterCollection.Name)]
public sealed class PlannedSwitchoverTests(ClusterFixture cluster, ITestOutputHelper output)
{
    [Fact(Timeout = 240_000)]
    public async Task Switchover_under_write_load_fails_no_write_loses_no_row_and_both_instances_route_to_the_new_primary()
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

        // Several writers per instance on both shards' keys (each instance its own keys and user ids).
        var loadA = new WriteLoad(appA, FailoverScenario.Keys(cluster, "so-a"), firstUser: 0);
        var loadB = new WriteLoad(appB, FailoverScenario.Keys(cluster, "so-b"), firstUser: 10_000_000);
        using var stop = new CancellationTokenSource();
        var running = Task.WhenAll(loadA.RunAsync(workers: 4, stop.Token), loadB.RunAsync(workers: 4, stop.Token));
        await Task.Delay(2000);

        var switchStarted = DateTime.UtcNow;
        var (status, body) = await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { to = "s1-replica1" });
        var switchEnded = DateTime.UtcNow;
        Assert.True(status == HttpStatusCode.OK, $"switchover: {(int)status} {body?.ToJsonString()}");
        output.WriteLine($"switchover answer: {body!.ToJsonString()}");
        Assert.Contains(newPort, (string?)body["to"], StringComparison.Ordinal);
        Assert.Contains($":{oldPrimary.Port}/", (string?)body["from"], StringComparison.Ordinal);

        // Both instances route s1 to the new primary (the second hears the change from the catalog).
        await Db.WaitUntilAsync(() => Task.FromResult(FailoverScenario.PrimaryEndpoint(second).Contains(newPort, StringComparison.Ordinal)), TimeSpan.FromSeconds(5), "the second instance routes s1 to the new primary");
        Assert.Contains(newPort, FailoverScenario.PrimaryEndpoint(first), StringComparison.Ordinal);
        long version = (long)body["topologyVersion"]!;
        Assert.Equal(version, first.Services.GetRequiredService<ITopologyProvider>().Current.Version);
        await Task.Delay(2000);
        stop.Cancel();
        await running;

        var writes = loadA.Writes.Concat(loadB.Writes).ToList();
        var s1 = writes.Where(w => w.Shard == "s1").ToList();
        var s2 = writes.Where(w => w.Shard == "s2").ToList();
        double longest = s1.Max(w => w.ElapsedMs);
        double pause = (double)body["writePauseMs"]!;
        output.WriteLine($"{writes.Count} writes ({s1.Count} on s1, {s2.Count} on s2), {writes.Count(w => w.Status != HttpStatusCode.OK)} failed");
        output.WriteLine($"write pause held by the switchover (server): {pause:F0} ms (catch-up {body["catchUpMs"]} ms, promotion {body["promoteMs"]} ms); switchover request {(switchEnded - switchStarted).TotalMilliseconds:F0} ms");
        double gap = LongestGap(s1, switchStarted, switchEnded);
        output.WriteLine($"longest time without an acknowledged s1 write around the switchover: {gap:F0} ms");
        output.WriteLine($"longest s1 write as clients saw it: {longest:F0} ms, p99 {Percentile(s1, 99):F0} ms; on s2 (not switched, the machine's own noise): longest {s2.Max(w => w.ElapsedMs):F0} ms, p99 {Percentile(s2, 99):F0} ms");
        foreach (var failed in writes.Where(w => w.Status != HttpStatusCode.OK).GroupBy(w => (w.Shard, w.Status, w.ProblemType)))
        {
            output.WriteLine($"  failed: {failed.Key.Shard} {(int)failed.Key.Status} {failed.Key.ProblemType}: {failed.Count()}");
        }

        Assert.DoesNotContain(writes, w => w.Status != HttpStatusCode.OK);
        Assert.Contains(s1, w => w.StartedAt > switchEnded);
        Assert.Contains(s1, w => w.StartedAt < switchStarted);
        Assert.Contains(loadA.Writes, w => w.Shard == "s1" && w.StartedAt > switchEnded);
        Assert.Contains(loadB.Writes, w => w.Shard == "s1" && w.StartedAt > switchEnded);

        // Every acknowledged write is on the new primary (s1) or on s2's primary, row by row.
        await AssertAllPresentAsync(replica.AdminConnectionString, s1);
        // (s2's primary as the topology names it: the CLI test may have switched s2 over already.)
        await AssertAllPresentAsync(first.Services.GetRequiredService<ITopologyProvider>().Current.ShardsById["s2"].Primary.ConnectionString, s2);

        // None of the writes acknowledged after the switch went to the old primary, which stays fenced.
        long[] after = [.. s1.Where(w => w.StartedAt > switchEnded).Select(w => w.User)];
        string[] s1Keys = [.. s1.Select(w => w.Key).Distinct()];
        Assert.Equal(0, await Db.ScalarAsync<long>(oldPrimary.AdminConnectionString, "select count(*) from users where team_id = any(@k) and email = 'switchover' and user_id = any(@u)", ("k", s1Keys), ("u", after)));
        Assert.True(await Db.ScalarAsync<bool>(oldPrimary.AdminConnectionString, "select fenced from datatier_move.sources where move_id = -1000000000000"), "the old primary keeps its fence");
        Assert.Equal(0, await Db.ScalarAsync<long>(replica.AdminConnectionString, "select count(*) from datatier_move.sources"));
        Assert.False(await Db.ScalarAsync<bool>(replica.AdminConnectionString, "select pg_is_in_recovery()"));

        // The old primary is listed as replaced; s1 has no replica left, so a second switchover is refused.
        var (_, topology) = await Api.GetAsync(admin, "/admin/topology");
        var shard = topology!["shards"]!.AsArray().Single(s => (string?)s!["id"] == "s1")!;
        Assert.Contains($":{oldPrimary.Port}/", (string?)shard["replaced"]![0]!["endpoint"], StringComparison.Ordinal);
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/shards/s1/switchover", new { }), HttpStatusCode.Conflict, "no-healthy-replica");
        Assert.Contains(first.Logs.Lines, l => l.Contains($"[{Core.Diagnostics.LogEventIds.SwitchoverDone}]", StringComparison.Ordinal));

        // The target: writes held under 1 s, as the switchover measured it and as the writers saw it (no s1 write
        // acknowledged for less than 1 s). A single write's latency is reported, not asserted: on a shared 2-core
        // machine the unswitched shard's longest write reaches a second too (see the output).
        Assert.True(pause < 1000, $"the switchover held writes {pause:F0} ms");
        Assert.True(gap < 1000, $"no s1 write was acknowledged for {gap:F0} ms");
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

    [Fact(Timeout = 180_000)]
    public async Task Cli_switchover_exits_0_with_the_new_primary_and_the_pause_then_2_when_no_replica_is_left()
    {
        await using var server = await DataTierServer.StartAsync(cluster, FailoverScenario.FastProbes(catalogStore: true));
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string target = $"--server {server.BaseAddress} --key {cluster.Manifest.Keys.Admin}";
        var replica = cluster.Cluster.GetNode("s2-replica1");

        var (code, stdout, stderr) = await CliRunner.RunAsync(cli, $"shard switchover s2 {target}", TimeSpan.FromMinutes(1));
        output.WriteLine(stdout + stderr);
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("Shard s2 switched over:", stdout, StringComparison.Ordinal);
        Assert.Contains($":{replica.Port}/", stdout, StringComparison.Ordinal);
        Assert.Matches(@"Writes held [0-9.]+ ms \(catch-up [0-9.]+ ms, promotion [0-9.]+ ms\); none failed\.", stdout);
        Assert.False(await Db.ScalarAsync<bool>(replica.AdminConnectionString, "select pg_is_in_recovery()"));
        Assert.Contains($":{replica.Port}/", server.Services.GetRequiredService<ITopologyProvider>().Current.ShardsById["s2"].Primary.Endpoint, StringComparison.Ordinal);

        var (again, _, againErr) = await CliRunner.RunAsync(cli, $"shard switchover s2 {target}", TimeSpan.FromMinutes(1));
        Assert.True(again == 2, againErr);
        Assert.Contains("no-healthy-replica", againErr, StringComparison.Ordinal);

        var (usage, _, usageErr) = await CliRunner.RunAsync(cli, $"shard switchover {target}", TimeSpan.FromMinutes(1));
        Assert.True(usage == 2, usageErr);
        Assert.Contains("Usage:", usageErr, StringComparison.Ordinal);
    }

    private static async Task AssertAllPresentAsync(string connectionString, IReadOnlyCollection<WriteLoad.Write> acknowledged)
    {
        var present = new HashSet<(string, long)>();
        await using var conn = await Db.OpenAsync(connectionString);
        await using var cmd = new Npgsql.NpgsqlCommand("select team_id, user_id from users where team_id = any(@k) and email = 'switchover'", conn);
        cmd.Parameters.AddWithValue("k", acknowledged.Select(w => w.Key).Distinct().ToArray());
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            present.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        var lost = acknowledged.Where(w => !present.Contains((w.Key, w.User))).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {acknowledged.Count} acknowledged writes are missing, e.g. {string.Join(", ", lost.Take(5).Select(w => $"{w.Key}/{w.User}"))}");
    }

    private static double Percentile(IEnumerable<WriteLoad.Write> writes, double p)
    {
        var sorted = writes.Select(w => w.ElapsedMs).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }
}
