using System.Net;
using System.Text.Json.Nodes;
using DataTier.Core.Ring;
using DataTier.Core.Topology;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// Moves executed online: rows copied, caught up, fenced and switched while a load of writes and reads runs through
/// DataTier. Afterwards every row is on the shard the new ring names, the rows are exactly what the load's own log
/// says (nothing lost, duplicated or resurrected) and no request failed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OnlineMoveTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    private Dictionary<string, string?> Settings(params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private Dictionary<string, string> Primaries(ExtraShardDatabase extra) => new()
    {
        ["s1"] = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s1")).ConnectionString,
        ["s2"] = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s2")).ConnectionString,
        ["s3"] = extra.AppConnectionString,
    };

    private async Task ResetAsync()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_moves");
    }

    [Fact]
    public async Task Adding_a_shard_and_draining_it_again_under_load_moves_every_row_to_its_new_owner_and_loses_nothing()
    {
        await ResetAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var server = await DataTierServer.StartAsync(fixture, Settings());
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var primaries = Primaries(extra);
        var teams = (await ClusterRows.ReadAsync(primaries)).Rows["teams"].Select(r => r.TeamId).ToList();
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString })).Status);
            var added = await MoveUnderLoadAsync(server, admin, app, primaries, teams, 910_000_000, "2 -> 3 shards");
            Assert.All(added["pairs"]!.AsArray(), p => Assert.Equal("s3", (string)p!["to"]!));
            // Each moving range, with the rows the plan counted in it and its state.
            var detailed = (await Api.GetAsync(admin, $"/admin/rebalance/{(long)added["id"]!}?ranges=true")).Body!;
            var ranges = detailed["ranges"]!.AsArray();
            Assert.Equal(added["pairs"]!.AsArray().Sum(p => (int)p!["ranges"]!), ranges.Count);
            Assert.Equal((long)added["rowsPlanned"]!, ranges.Sum(r => (long)r!["rowsPlanned"]!));
            Assert.All(ranges, r => Assert.Equal("done", (string?)r!["state"]));
            Assert.Null((await Api.GetAsync(admin, $"/admin/rebalance/{(long)added["id"]!}")).Body!["ranges"]);
            Assert.True(await Db.ScalarAsync<long>(extra.AppConnectionString, "select count(*) from teams") > 0, "s3 received teams");
            // The guard refused nothing that belonged (the load saw 0 failures) and every shard follows the new ring.
            var verified = (await Api.GetAsync(admin, "/admin/shards/verify")).Body!;
            Assert.Equal(0, (long)verified["misplacedTotal"]!);
            Assert.All(verified["shards"]!.AsArray(), s => Assert.True((bool)s!["guardCurrent"]!, s.ToJsonString()));

            await Api.OkAsync(admin, "/admin/shards/s3/drain", new { });
            var drained = await MoveUnderLoadAsync(server, admin, app, primaries, teams, 920_000_000, "drain s3");
            Assert.All(drained["pairs"]!.AsArray(), p => Assert.Equal("s3", (string)p!["from"]!));
            Assert.Equal(0, (long)(await Api.GetAsync(admin, "/admin/shards/verify")).Body!["misplacedTotal"]!);
            foreach (string table in ClusterRows.Tables)
            {
                Assert.Equal(0, await Db.ScalarAsync<long>(extra.AppConnectionString, $"select count(*) from {table}"));
            }

            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3")).Status);
            // Nothing of the move is left on the shards: no capture trigger, no logged changes.
            foreach (var (shard, connectionString) in primaries)
            {
                Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from pg_trigger where tgname = 'datatier_move_capture'"));
                Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from datatier_move.changes"));
            }
        }
        finally
        {
            await MoveWaiter.RestoreAsync(admin, "s3");
            foreach (string shard in new[] { "s1", "s2" })
            {
                await Db.ExecuteAsync(primaries[shard], "delete from users where user_id >= 900000000");
            }
        }
    }

    [Fact]
    public async Task A_move_cancelled_while_copying_rolls_back_and_moves_that_cannot_start_are_refused_with_problems()
    {
        await ResetAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using (var fixedTopology = await DataTierServer.StartAsync(fixture))
        {
            using var fixedAdmin = fixedTopology.CreateClient(fixture.Manifest.Keys.Admin);
            Api.AssertProblem(await Api.PostAsync(fixedAdmin, "/admin/rebalance", new { }), HttpStatusCode.Conflict, "topology-not-in-catalog");
        }

        await using var server = await DataTierServer.StartAsync(fixture, Settings(("DataTier:Rebalancing:CopyRowsPerSecond", "500")));
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var primaries = Primaries(extra);
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/rebalance", new { }), HttpStatusCode.Conflict, "nothing-to-move");
        Api.AssertProblem(await Api.PostAsync(app, "/admin/rebalance", new { }), HttpStatusCode.Forbidden, "forbidden");
        Api.AssertProblem(await Api.GetAsync(admin, "/admin/rebalance/424242"), HttpStatusCode.NotFound, "unknown-move");
        Api.AssertProblem(await Api.PostRawAsync(admin, "/admin/rebalance", "{\"maxWritePauseMs\": "), HttpStatusCode.BadRequest, "invalid-json");
        await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString });
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/rebalance", new { maxWritePauseMs = 1 }), HttpStatusCode.BadRequest, "invalid-write-pause");
        var before = await ClusterRows.ReadAsync(primaries);
        string ringBefore = server.Services.GetRequiredService<ITopologyProvider>().Current.Ring.Fingerprint;

        var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
        Assert.Equal(HttpStatusCode.Accepted, status);
        long id = (long)started!["id"]!;
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/rebalance", new { }), HttpStatusCode.Conflict, "rebalance-running");
        await MoveWaiter.WaitForAsync(admin, id, m => (long)m["rowsCopied"]! > 0, TimeSpan.FromSeconds(30), "to copy rows");
        // What the stuck-move alert reads: this instance drives the move, and the batches copied are its progress.
        using var scrape = server.CreateClient(apiKey: null);
        await ScrapedMetrics.WaitForAsync(scrape, "datatier_rebalance_move_driving", 1);
        double sinceProgress = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - await ScrapedMetrics.ValueAsync(scrape, "datatier_rebalance_move_last_progress_timestamp_seconds");
        Assert.InRange(sinceProgress, -1, 10);
        const string Cancelled = "datatier_rebalance_moves_finished_total{state=\"cancelled\"}";
        double cancelledBefore = await ScrapedMetrics.ValueAsync(scrape, Cancelled);
        Assert.Equal(HttpStatusCode.Accepted, (await Api.PostAsync(admin, $"/admin/rebalance/{id}/cancel", new { })).Status);
        var ended = await MoveWaiter.WaitAsync(admin, id, TimeSpan.FromSeconds(60));
        Assert.Equal("cancelled", (string?)ended["state"]);
        await ScrapedMetrics.WaitForAsync(scrape, Cancelled, cancelledBefore + 1);
        await ScrapedMetrics.WaitForAsync(scrape, "datatier_rebalance_move_driving", 0);
        Assert.All(ended["pairs"]!.AsArray(), p => Assert.Equal("cancelled", (string?)p!["state"]));
        Api.AssertProblem(await Api.PostAsync(admin, $"/admin/rebalance/{id}/cancel", new { }), HttpStatusCode.Conflict, "rebalance-finished");
        var listed = (await Api.GetAsync(admin, "/admin/rebalance")).Body!["moves"]!.AsArray();
        Assert.Equal(id, (long)listed[0]!["id"]!);

        // Rolled back: routing unchanged, the target's copies gone, the sources capture nothing any more.
        var after = server.Services.GetRequiredService<ITopologyProvider>().Current;
        Assert.Equal(ringBefore, after.Ring.Fingerprint);
        Assert.All(after.Shards, s => Assert.Null(s.VisibilityRing));
        foreach (string table in ClusterRows.Tables)
        {
            Assert.Equal(0, await Db.ScalarAsync<long>(extra.AppConnectionString, $"select count(*) from {table}"));
            string diff = ClusterRows.Difference(before.Multiset(table), (await ClusterRows.ReadAsync(primaries)).Multiset(table));
            Assert.True(diff.Length == 0, $"{table}: {diff}");
        }

        foreach (var (_, connectionString) in primaries)
        {
            Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from pg_trigger where tgname = 'datatier_move_capture'"));
            Assert.Equal(0, await Db.ScalarAsync<long>(connectionString, "select count(*) from datatier_move.sources"));
        }

        await Api.OkAsync(admin, "/admin/shards/s3/drain", new { });
        Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3")).Status);
    }

    [Fact]
    public async Task An_approved_proposal_with_run_reweights_the_shards_and_a_move_back_restores_the_placement()
    {
        await ResetAsync();
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_proposals");
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        // Each move's first fence is held past MaxWritePauseMs (500 ms): it must lift, let the writes go on at the old
        // owner, and succeed at the next attempt.
        await using var server = await DataTierServer.StartAsync(fixture, Settings(("DataTier:Rebalancing:Threshold", "1.0"), ("DataTier:Rebalancing:TestHoldFenceMs", "800")));
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var primaries = Primaries(extra);
        primaries.Remove("s3");
        var teams = (await ClusterRows.ReadAsync(primaries)).Rows["teams"].Select(r => r.TeamId).ToList();
        var before = await ClusterRows.ReadAsync(primaries);
        try
        {
            var proposal = (await Api.OkAsync(admin, "/admin/rebalance/check", new { }))["proposal"]!;
            var approved = await Api.OkAsync(admin, $"/admin/rebalance/plans/{(long)proposal["id"]!}/approve", new { run = true });
            Assert.True(approved["moveId"] is not null, approved.ToJsonString());
            var done = await MoveWaiter.WaitAsync(admin, (long)approved["moveId"]!, TimeSpan.FromMinutes(2));
            Assert.True((string?)done["state"] == "done", done.ToJsonString());
            var topology = server.Services.GetRequiredService<ITopologyProvider>().Current;
            Assert.Equal((double)proposal["weights"]!["s1"]!, topology.ShardsById["s1"].Weight, 6);
            var after = await ClusterRows.ReadAsync(primaries);
            Assert.Empty(after.Misplaced(topology.Ring));
            foreach (string table in ClusterRows.Tables)
            {
                string diff = ClusterRows.Difference(before.Multiset(table), after.Multiset(table));
                Assert.True(diff.Length == 0, $"{table}: {diff}");
            }

            // Back to equal weights, under load: the placement is the fixture's again.
            await Api.PutAsync(admin, "/admin/shards/s1/weight", new { weight = 1 });
            await Api.PutAsync(admin, "/admin/shards/s2/weight", new { weight = 1 });
            var back = await MoveUnderLoadAsync(server, admin, app, primaries, teams, 950_000_000, "reweight back to 1:1");
            Assert.Equal(2, (int)back["fenceAttempts"]!);
            Assert.Contains(back["notes"]!.AsArray(), n => ((string)n!).Contains("fence 1 lifted after", StringComparison.Ordinal));
            Assert.True((double)back["longestWritePauseMs"]! >= 500, $"the lifted fence held writes {back["longestWritePauseMs"]} ms");
            Assert.Empty((await ClusterRows.ReadAsync(primaries)).Misplaced(fixture.Ring));
        }
        finally
        {
            await MoveWaiter.RestoreAsync(admin, "s3");
            foreach (string shard in new[] { "s1", "s2" })
            {
                await Db.ExecuteAsync(primaries[shard], "delete from users where user_id >= 900000000");
            }
        }
    }

    /// <summary>Runs the desired move while the load runs, waits for it, and checks rows, placement and the load.</summary>
    private async Task<JsonNode> MoveUnderLoadAsync(DataTierServer server, HttpClient admin, HttpClient app, Dictionary<string, string> primaries, List<string> teams, long firstUserId, string what)
    {
        var before = await ClusterRows.ReadAsync(primaries);
        var load = new MoveLoad(app, teams, firstUserId);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(8, TimeSpan.FromMinutes(3), stop.Token);
        // Fan-out reads of a table the load does not touch must count every row once throughout, although both the
        // source and the target hold the moving rows for a while.
        long tasks = before.Rows["tasks"].Count;
        var scatterCounts = new List<long>();
        var scatters = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var answer = await Api.OkAsync(app, "/v1/scatter", new { sql = "select count(*) as n from tasks", cache = "bypass" });
                scatterCounts.Add(answer["rows"]!.AsArray().Sum(r => (long)r!["n"]!));
                await Task.Delay(20);
            }
        });
        await Task.Delay(1000);
        var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal("running", (string?)started!["state"]);
        var done = await MoveWaiter.WaitAsync(admin, (long)started["id"]!, TimeSpan.FromMinutes(2));
        await Task.Delay(500);
        await stop.CancelAsync();
        await running;
        await scatters;

        output.WriteLine($"{what}: {done.ToJsonString()}");
        output.WriteLine($"{what}: load {load.Counts.Writes} writes, {load.Counts.Reads} reads, longest write {load.LongestWriteMs:0} ms, move's longest fence {done["longestWritePauseMs"]} ms; {scatterCounts.Count} fan-out counts");
        Assert.True(scatterCounts.Count > 20, $"{scatterCounts.Count} fan-out reads ran during the move");
        Assert.True(scatterCounts.All(n => n == tasks), $"fan-out counts of tasks during the move: {string.Join(", ", scatterCounts.Distinct())}, expected {tasks} each");
        Assert.True((string?)done["state"] == "done", $"move ended {done["state"]}: {done.ToJsonString()}");
        Assert.True((bool?)done["verified"], "both sides' counts and checksums matched");
        Assert.True(load.Failures.Count == 0, $"{what}: {load.Failures.Count} failed requests, e.g.\n" + string.Join("\n", load.Failures.Take(5)));
        Assert.True(load.StaleReads.Count == 0, $"{what}: {load.StaleReads.Count} stale strong reads, e.g.\n" + string.Join("\n", load.StaleReads.Take(5)));
        Assert.True(load.Counts.Writes > 100, $"the load wrote ({load.Counts.Writes})");

        var ring = server.Services.GetRequiredService<ITopologyProvider>().Current.Ring;
        // The switch, then the version that turns the fan-out filter off again.
        Assert.True(server.Services.GetRequiredService<ITopologyProvider>().Current.Version > (long)done["toVersion"]!);
        await CheckRowsAsync(before, load, ring, primaries);
        return done;
    }

    private static async Task CheckRowsAsync(ClusterRows before, MoveLoad load, HashRing ring, Dictionary<string, string> primaries)
    {
        var after = await ClusterRows.ReadAsync(primaries);
        var misplaced = after.Misplaced(ring);
        Assert.True(misplaced.Count == 0, $"{misplaced.Count} rows off their ring shard, e.g. {string.Join("; ", misplaced.Take(5))}");
        foreach (string table in ClusterRows.Tables.Where(t => t != "users"))
        {
            string diff = ClusterRows.Difference(before.Multiset(table), after.Multiset(table));
            Assert.True(diff.Length == 0, $"{table}: {diff}");
        }

        bool IsLoads(string row) => (long)JsonNode.Parse(row)!["user_id"]! >= load.FirstUserId;
        string users = ClusterRows.Difference(before.Multiset("users", IsLoads), after.Multiset("users", IsLoads));
        Assert.True(users.Length == 0, $"users outside the load: {users}");
        var expected = load.Live.ToDictionary(kv => $"{kv.Key.Team}/{kv.Key.User}/{kv.Value}", _ => 1);
        var actual = new Dictionary<string, int>();
        foreach (var (_, _, row) in after.Rows["users"].Where(r => IsLoads(r.Row)))
        {
            var node = JsonNode.Parse(row)!;
            string key = $"{node["team_id"]}/{node["user_id"]}/{node["email"]}";
            actual[key] = actual.GetValueOrDefault(key) + 1;
        }

        string loadDiff = ClusterRows.Difference(expected, actual);
        Assert.True(loadDiff.Length == 0, $"the load's rows against its log: {loadDiff}");
    }

    [Fact]
    public async Task Killing_the_driving_instance_in_the_copy_in_the_fence_and_after_the_switch_ends_with_every_row_placed_and_nothing_lost()
    {
        await ResetAsync();
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        // A drives the moves and is killed (SIGKILL) mid-move; B carries the load and may take a move over when A's
        // lease runs out; A is restarted each time too, so either may finish it.
        const string Lease = "3";
        await using var copier = await ServerProcessHandle.StartAsync(fixture, Settings(("DataTier:Rebalancing:CopyRowsPerSecond", "1500"), ("DataTier:Rebalancing:MoveLeaseSeconds", Lease)));
        await using var server = await DataTierServer.StartAsync(fixture, Settings(("DataTier:Rebalancing:MoveLeaseSeconds", Lease)));
        using var adminA = copier.CreateClient(fixture.Manifest.Keys.Admin);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var primaries = Primaries(extra);
        var teams = (await ClusterRows.ReadAsync(primaries)).Rows["teams"].Select(r => r.TeamId).ToList();
        try
        {
            Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(adminA, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString })).Status);
            var inCopy = await MoveWithKillAsync(server, copier, adminA, admin, app, primaries, teams, 930_000_000, new { },
                m => (string?)m["phase"] == "copying" && (long)m["rowsCopied"]! > 1000, "killed in the copy");
            Assert.True((long)inCopy["rowsCopied"]! >= (long)inCopy["rowsPlanned"]!, "the copy finished after the kill");

            await using var fencer = await ServerProcessHandle.StartAsync(fixture, Settings(("DataTier:Rebalancing:TestHoldFenceMs", "4000"), ("DataTier:Rebalancing:MoveLeaseSeconds", Lease)));
            using var adminF = fencer.CreateClient(fixture.Manifest.Keys.Admin);
            await Api.OkAsync(adminF, "/admin/shards/s3/drain", new { });
            var inFence = await MoveWithKillAsync(server, fencer, adminF, admin, app, primaries, teams, 940_000_000, new { maxWritePauseMs = 10_000 },
                m => (string?)m["phase"] == "fencing", "killed in the fence");
            Assert.Contains(inFence["notes"]!.AsArray(), n => ((string)n!).Contains("resumed inside a write fence", StringComparison.Ordinal));
            // The fence the killed driver took held writes until the next driver lifted it: the move reports it.
            Assert.True((double)inFence["longestWritePauseMs"]! >= 1000, $"longest write pause {inFence["longestWritePauseMs"]} ms");

            // Once more, killed after the switch and before the verification: whoever resumes verifies from the
            // target's log of writes since the switch, then cleans up.
            await using var switcher = await ServerProcessHandle.StartAsync(fixture, Settings(("DataTier:Rebalancing:TestHoldSwitchedMs", "4000"), ("DataTier:Rebalancing:MoveLeaseSeconds", Lease)));
            using var adminS = switcher.CreateClient(fixture.Manifest.Keys.Admin);
            await Api.PutAsync(adminS, "/admin/shards/s3/weight", new { weight = 1 });
            var afterSwitch = await MoveWithKillAsync(server, switcher, adminS, admin, app, primaries, teams, 960_000_000, new { },
                m => (string?)m["phase"] == "switched", "killed after the switch");
            Assert.All(afterSwitch["pairs"]!.AsArray(), p => Assert.Equal("s3", (string)p!["to"]!));
            await MoveWaiter.RestoreAsync(admin, "s3");
            Assert.Empty((await ClusterRows.ReadAsync(primaries)).Misplaced(fixture.Ring));
            Assert.Equal(HttpStatusCode.OK, (await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3")).Status);
        }
        finally
        {
            await MoveWaiter.RestoreAsync(admin, "s3");
            foreach (string shard in new[] { "s1", "s2" })
            {
                await Db.ExecuteAsync(primaries[shard], "delete from users where user_id >= 900000000");
            }
        }
    }

    private async Task<JsonNode> MoveWithKillAsync(DataTierServer server, ServerProcessHandle driver, HttpClient driverAdmin, HttpClient admin, HttpClient app, Dictionary<string, string> primaries, List<string> teams, long firstUserId, object request, Func<JsonNode, bool> killWhen, string what)
    {
        var before = await ClusterRows.ReadAsync(primaries);
        var load = new MoveLoad(app, teams, firstUserId);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(8, TimeSpan.FromMinutes(4), stop.Token);
        await Task.Delay(1000);
        var (status, started) = await Api.PostAsync(driverAdmin, "/admin/rebalance", request);
        Assert.True(status == HttpStatusCode.Accepted, $"{status}: {started?.ToJsonString()}");
        long id = (long)started!["id"]!;
        var atKill = await MoveWaiter.WaitForAsync(admin, id, killWhen, TimeSpan.FromMinutes(1), what);
        driver.Kill();
        output.WriteLine($"{what}: killed the driver at {atKill.ToJsonString()}");
        await driver.StartAsync();
        var done = await MoveWaiter.WaitAsync(admin, id, TimeSpan.FromMinutes(3));
        await Task.Delay(500);
        await stop.CancelAsync();
        await running;

        output.WriteLine($"{what}: {done.ToJsonString()}");
        output.WriteLine($"{what}: load {load.Counts.Writes} writes, {load.Counts.Reads} reads, longest write {load.LongestWriteMs:0} ms");
        Assert.True((string?)done["state"] == "done", $"move ended {done["state"]}: {done.ToJsonString()}\n{driver.Output[^Math.Min(4000, driver.Output.Length)..]}");
        Assert.True((bool?)done["verified"], "both sides' counts and checksums matched");
        Assert.True(load.Failures.Count == 0, $"{what}: {load.Failures.Count} failed requests, e.g.\n" + string.Join("\n", load.Failures.Take(5)));
        Assert.True(load.StaleReads.Count == 0, $"{what}: {load.StaleReads.Count} stale strong reads, e.g.\n" + string.Join("\n", load.StaleReads.Take(5)));
        var topology = server.Services.GetRequiredService<ITopologyProvider>();
        await Db.WaitUntilAsync(() => Task.FromResult(topology.Current.Version >= (long)done["toVersion"]!), TimeSpan.FromSeconds(2), "B follows the switch");
        await CheckRowsAsync(before, load, topology.Current.Ring, primaries);
        return done;
    }
}
