using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Advice;

/// <summary>
/// The advisor end to end on the demo schema, as a DBA would run it: the demo workload (a fan-out read by an
/// unindexed title, read <c>strong</c> with the cache bypassed, and a cacheable fan-out read of a user's latest activity),
/// then one validated run: every index it keeps was built on a canary shard and measured at least
/// <c>MinMeasuredSpeedup</c> faster there. Its migration is applied by <c>datatier migrate shards</c> while writes
/// go on, with none failing, and the advisor run again on the same workload recommends nothing new.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DemoWorkloadValidationTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string ByTitle = "select count(*) from tasks where title = @p";
    private const string LatestActivity = "select log_id, action, created_at from activity_logs where user_id = @u order by created_at desc limit 20";

    [Fact]
    public async Task Validated_demo_advice_keeps_only_measured_twofold_gains_and_its_migration_applies_under_writes_leaving_nothing_new()
    {
        string scripts = Directory.CreateTempSubdirectory("datatier-demo-advice-").FullName;
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Advisor:Validate"] = "true" });
            using var app = server.CreateClient(fixture.Manifest.Keys.App);
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(5);
            var users = (await Db.StringsAsync(fixture.Manifest.Shards[0].PrimaryAdmin,
                "select user_id::text from activity_logs where user_id is not null group by user_id order by user_id limit 60")).Select(long.Parse).ToList();
            Assert.True(users.Count == 60, $"the demo data has {users.Count} users with activity on {fixture.Manifest.Shards[0].Id}");

            // A first run sets the baseline: what ran before this test is not its workload. Then the workload, with
            // some writes to the activity table, which its index will pay for.
            await OptimizeAsync(admin, validate: false);
            var written = await CountedWritesAsync(app, perShard: 50);
            await RunDemoWorkloadAsync(app, users);
            var report = await OptimizeAsync(admin, validate: true);
            output.WriteLine(report.ToJsonString());

            var kept = report["recommendations"]!.AsArray().Select(r => r!).Where(r => DemoTable((string)r["table"]!)).ToList();
            Assert.Contains(kept, r => (string)r["table"]! == "public.tasks" && (string)r["columns"]![0]! == "title");
            Assert.Contains(kept, r => (string)r["table"]! == "public.activity_logs" && (string)r["columns"]![0]! == "user_id");
            var activity = kept.Single(r => (string)r["table"]! == "public.activity_logs");
            Assert.True((long)activity["rowsWritten"]! >= written, activity.ToJsonString());
            Assert.True((double)activity["writeRowsPerSecond"]! > 0, activity.ToJsonString());
            Assert.Contains("rows/s written over the last", (string)activity["writeCost"]!, StringComparison.Ordinal);
            Assert.True((double)activity["writePenalty"]! > 0, activity.ToJsonString());
            foreach (var r in kept)
            {
                var measured = r["measured"]!;
                double? speedUp = (double?)measured["speedUp"];
                output.WriteLine($"kept {r["indexName"]} on {r["table"]}: canary {measured["shard"]}, {measured["reason"]}, built in {measured["buildMs"]} ms, " +
                    $"{measured["indexBytes"]} bytes (estimated {r["estimatedBytes"]}); writes: {r["writeCost"]}");
                Assert.True(speedUp is >= 2.0, $"{r["indexName"]}: {measured.ToJsonString()}");
            }

            // The migration of the validated advice, applied to every shard primary while writes go on.
            var model = System.Text.Json.JsonSerializer.Deserialize<Core.Advice.AdviceReport>(report.ToJsonString(), Core.Advice.AdviceStore.Json)!;
            var files = Core.Advice.AdviceScriptWriter.Write(model, scripts);
            output.WriteLine(await File.ReadAllTextAsync(files.Single(f => f.EndsWith("_report.md", StringComparison.Ordinal))));
            var (code, stdout, stderr, loaded, failed) = await AdviceMigration.ApplyUnderWritesAsync(fixture, scripts, stop => WriteLoadAsync(app, stop));
            output.WriteLine(stdout + stderr);
            Assert.True(code == 0, stderr);
            Assert.Contains("applied index advice", stdout, StringComparison.Ordinal);
            output.WriteLine($"writes during the migration: {loaded} written, {failed} failed");
            Assert.Equal(0, failed);
            Assert.True(loaded > 0);
            foreach (var shard in fixture.Manifest.Shards)
            {
                foreach (var r in kept)
                {
                    Assert.True(await Db.ScalarAsync<bool>(shard.PrimaryAdmin,
                        $"select coalesce((select indisvalid from pg_index where indexrelid = to_regclass('public.{(string)r["indexName"]!}')), false)"),
                        $"{r["indexName"]} valid on {shard.Id}");
                }
            }

            await RunDemoWorkloadAsync(app, users);
            var again = await OptimizeAsync(admin, validate: true);
            output.WriteLine(again.ToJsonString());
            Assert.DoesNotContain(again["recommendations"]!.AsArray(), r => DemoTable((string)r!["table"]!));
        }
        finally
        {
            Directory.Delete(scripts, recursive: true);
            await LeaveTheDemoAsFoundAsync();
        }
    }

    private static bool DemoTable(string table) => table is "public.tasks" or "public.activity_logs";

    private static async Task<JsonNode> OptimizeAsync(HttpClient admin, bool validate)
    {
        var (status, body) = await Api.PostAsync(admin, $"/admin/db/optimize?validate={(validate ? "true" : "false")}", new { });
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        return body!;
    }

    private static async Task RunDemoWorkloadAsync(HttpClient app, List<long> users)
    {
        for (int n = 0; n < 60; n++)
        {
            await Api.OkAsync(app, "/v1/scatter", new { sql = ByTitle, @params = new { p = $"Task {n % 50 + 1} of team-{n % 7 + 1}" }, consistency = "strong", cache = "bypass" });
            await Api.OkAsync(app, "/v1/scatter", new { sql = LatestActivity, @params = new { u = users[n] } });
        }
    }

    // Inserts rows on every shard and waits until each primary's statistics count them (a backend reports its table
    // counters when it goes idle, within seconds); returns the rows written.
    private async Task<long> CountedWritesAsync(HttpClient app, int perShard)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            long before = await InsertedAsync(shard.PrimaryAdmin);
            string key = fixture.KeyOnShard(shard.Id, "advdemo");
            for (int n = 0; n < perShard; n++)
            {
                await Api.OkAsync(app, "/v1/execute", new { shardKey = key, sql = "insert into activity_logs (team_id, user_id, action) values (@t, @u, 'advice-demo-load')", @params = new { t = key, u = n } });
            }

            await Db.WaitUntilAsync(async () => await InsertedAsync(shard.PrimaryAdmin) >= before + perShard, TimeSpan.FromSeconds(30), $"{shard.Id}'s statistics to count the writes");
        }

        return perShard * fixture.Manifest.Shards.Count;
    }

    private static Task<long> InsertedAsync(string primary) =>
        Db.ScalarAsync<long>(primary, "select n_tup_ins from pg_stat_user_tables where relid = 'public.activity_logs'::regclass");

    private async Task<(int Written, int Failed)> WriteLoadAsync(HttpClient app, CancellationToken stop)
    {
        int written = 0, failed = 0;
        while (!stop.IsCancellationRequested)
        {
            foreach (var shard in fixture.Manifest.Shards)
            {
                var (status, body) = await Api.PostAsync(app, "/v1/execute", new
                {
                    shardKey = fixture.KeyOnShard(shard.Id, "advdemo"),
                    sql = "insert into activity_logs (team_id, user_id, action) values (@t, @u, 'advice-demo-load')",
                    @params = new { t = fixture.KeyOnShard(shard.Id, "advdemo"), u = written % 5000 },
                });
                if (status == HttpStatusCode.OK)
                {
                    written++;
                }
                else
                {
                    failed++;
                    output.WriteLine($"write failed: {status} {body?.ToJsonString()}");
                }
            }
        }

        return (written, failed);
    }

    // The demo's tables as they were: no advice index, no load rows, no journal of applied advice, no statements of this test.
    private async Task LeaveTheDemoAsFoundAsync()
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            var indexes = await Db.StringsAsync(shard.PrimaryAdmin,
                "select indexname from pg_indexes where schemaname = 'public' and tablename in ('tasks', 'activity_logs') and indexname like 'dt\\_%'");
            foreach (string index in indexes)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, $"drop index concurrently if exists public.{index}");
            }

            await Db.ExecuteAsync(shard.PrimaryAdmin, "delete from activity_logs where action = 'advice-demo-load'; drop table if exists public.datatier_sql_migrations");
        }

        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            await Db.ExecuteAsync(node.AdminConnectionString,
                "select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like '%from tasks where title%' or query like '%from activity_logs where user_id%'");
        }
    }
}
