using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Dashboard;

/// <summary>
/// The built-in dashboard (/admin/ui) in headless Chromium (Debian's chromium, driven by playwright-core from
/// tests/tools/dashboard): after real traffic, every view shows the figures the admin API gives, a key without the admin
/// scope is refused with the server's reason, and each view's screenshot is written to docs/dashboard/.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DashboardTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string[] Views = ["ring", "cache", "slow", "performance", "advice", "rebalance"];

    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    [Fact]
    public async Task Every_view_shows_the_clusters_figures_in_headless_chromium_and_a_key_without_admin_is_refused()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: install the Debian package 'chromium' (./datatier test does).");
        string tool = await NodeTool.InstallAsync("dashboard");
        string suffix = Guid.NewGuid().ToString("N")[..8];
        string table = "dash_orders_" + suffix;
        string marker = "dash_slow_" + suffix;
        foreach (var shard in fixture.Manifest.Shards)
        {
            // Unindexed customer_id: the advisor's evidence is this table's filter.
            await Db.ExecuteAsync(shard.PrimaryAdmin, $"""
                create table {table} (order_id bigint primary key, customer_id bigint not null, amount int not null);
                insert into {table} select g, g % 5000, g % 100 from generate_series(1, 60000) g;
                analyze {table};
                """);
        }

        long? proposalId = null;
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            // As `datatier dev up` runs it: the rebalancing check and the planner read the topology from the catalog.
            ["DataTier:Topology:Store"] = "Catalog",
            // Samples every second, so the performance view's series has points within the test.
            ["DataTier:Diagnostics:SampleIntervalMs"] = "1000",
            // Any imbalance is proposed (and only proposed: nothing is approved, the topology stays as it is).
            ["DataTier:Rebalancing:Threshold"] = "1.0",
        });
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var stopTraffic = new CancellationTokenSource();
        Task? traffic = null;
        try
        {
            // A first advisor run sets the baseline, as a DBA's earlier runs would have: the table's bulk load is then not a
            // write rate charged against its index (after an earlier run by another test it would be, and outweigh 20 reads).
            await Api.OkAsync(admin, "/admin/db/optimize", new { });

            // Real traffic first: a slow statement (a sequential scan over activity_logs), the advisor's workload, cached reads.
            // Made heavier by a small cross join, so it passes the 100 ms slow threshold. (Not "details::text like": the
            // advisor then tries text_pattern_ops on the jsonb column and its run fails.)
            string slow = $"select count(*) as {marker} from activity_logs a cross join generate_series(1, 4) g where a.details::text <> @p";
            for (int i = 0; i < 6; i++)
            {
                await Api.OkAsync(app, "/v1/query", new { shardKey = $"team-{i + 1}", sql = slow, @params = new { p = "%nothing-matches%" }, cache = "bypass" });
            }

            for (int n = 0; n < 20; n++)
            {
                await Api.OkAsync(app, "/v1/scatter", new { sql = $"select order_id, amount from {table} where customer_id = @c", @params = new { c = 1 + (n * 37) }, consistency = "strong" });
            }

            var advice = await Api.OkAsync(admin, "/admin/db/optimize", new { });
            string index = $"dt_{table}_customer_id_idx";
            Assert.Contains(advice["recommendations"]!.AsArray(), r => (string?)r!["indexName"] == index);

            var check = await Api.OkAsync(admin, "/admin/rebalance/check", new { });
            proposalId = (long?)check["proposal"]?["id"];
            Assert.True(proposalId is not null, $"the check at threshold 1.0 proposed nothing: {check.ToJsonString()}");

            // What the views must show, from the API itself.
            var topology = (await Api.GetAsync(admin, "/admin/topology")).Body!;
            var plan = (await Api.GetAsync(admin, "/admin/rebalance/plan")).Body!;

            // Cached reads while the browser runs, so the cache view's per-interval hit rate has lookups to show.
            traffic = Task.Run(() => CachedReadsAsync(app, stopTraffic.Token));

            string shots = Path.Combine(NodeTool.RepositoryRoot(), "docs", "dashboard");
            var (code, stdout, stderr) = await NodeTool.RunAsync("node", ["drive.mjs", server.BaseAddress.ToString(), shots], tool, new Dictionary<string, string>
            {
                ["DASHBOARD_ADMIN_KEY"] = fixture.Manifest.Keys.Admin,
                ["DASHBOARD_READER_KEY"] = fixture.Manifest.Keys.Reader,
                ["DASHBOARD_SLOW_MARKER"] = marker,
            }, TimeSpan.FromSeconds(90));
            output.WriteLine(stderr);
            Assert.True(code == 0, $"drive.mjs failed ({code}): {stderr}\n{stdout}");
            var result = JsonNode.Parse(stdout)!;
            Assert.Empty(result["problems"]!.AsArray());

            // The reader key is refused with the server's 403 problem, and never stored; the admin key lives in sessionStorage only.
            string refused = (string)result["refused"]!;
            Assert.Contains("403", refused, StringComparison.Ordinal);
            Assert.Contains("does not have the scope this endpoint needs", refused, StringComparison.Ordinal);
            Assert.Equal(0, (int)result["storedAfterRefusal"]!);
            Assert.False((bool)result["navVisibleAfterRefusal"]!);
            Assert.True((bool)result["keyInSessionStorage"]!);
            Assert.False((bool)result["keyInLocalStorage"]!);

            var views = result["views"]!;
            string ring = (string)views["ring"]!;
            foreach (var shard in topology["shards"]!.AsArray())
            {
                Assert.Contains((string)shard!["id"]!, ring, StringComparison.Ordinal);
                Assert.Contains((string)shard["primary"]!["id"]!, ring, StringComparison.Ordinal);
            }

            foreach (var shard in plan["shards"]!.AsArray())
            {
                // The rows per shard the planner counts, as the page prints them (e.g. 152,744).
                Assert.Contains(((long)shard!["rowsNow"]!).ToString("N0", CultureInfo.InvariantCulture), ring, StringComparison.Ordinal);
            }

            string cache = (string)views["cache"]!;
            Assert.Contains("select task_id, title from tasks where team_id = ? limit ?", cache, StringComparison.Ordinal);
            Assert.True((int)result["charts"]!["hitRate"]! >= 6, "the hit-rate chart has at least six intervals");

            string slowView = (string)views["slow"]!;
            Assert.Contains(marker, slowView, StringComparison.Ordinal);
            var slowEntry = (await Api.GetAsync(admin, "/admin/db/slow-queries?limit=200")).Body!["statements"]!.AsArray()
                .Single(e => ((string?)e!["fingerprint"])!.Contains(marker, StringComparison.Ordinal))!;
            // Its row carries the digest's figures: the calls and the mean, as the page prints them.
            var cells = ((string)result["slowRow"]!).Split('\t', StringSplitOptions.TrimEntries);
            Assert.Contains(((long)slowEntry["dataTier"]!["calls"]!).ToString(CultureInfo.InvariantCulture), cells);
            Assert.Contains(Ms((double)slowEntry["dataTier"]!["meanMs"]!), cells);
            Assert.Contains("Seq Scan on activity_logs", (string)result["plan"]!, StringComparison.Ordinal);
            Assert.Contains(marker, (string)result["firstByMean"]!, StringComparison.Ordinal);

            string performance = (string)views["performance"]!;
            foreach (var node in topology["shards"]!.AsArray().SelectMany(s => new[] { s!["primary"]! }.Concat(s["replicas"]!.AsArray().Select(r => r!))))
            {
                Assert.Contains((string)node["id"]!, performance, StringComparison.Ordinal);
            }

            Assert.Contains("Commits/s", performance, StringComparison.OrdinalIgnoreCase);
            Assert.True((int)result["charts"]!["tps"]! >= 2, "the transactions chart has the server's samples");

            string adviceView = (string)views["advice"]!;
            Assert.Contains(index, adviceView, StringComparison.Ordinal);
            Assert.Contains($"Run {(long)advice["runId"]!}", adviceView, StringComparison.Ordinal);
            var evidence = advice["recommendations"]!.AsArray().First(r => (string?)r!["indexName"] == index)!["statements"]![0]!;
            Assert.Contains(((double)evidence["costBefore"]!).ToString("N2", CultureInfo.InvariantCulture), adviceView, StringComparison.Ordinal);

            string rebalance = (string)views["rebalance"]!;
            Assert.Contains(((long)plan["totalRows"]!).ToString("N0", CultureInfo.InvariantCulture), rebalance, StringComparison.Ordinal);
            Assert.Matches($@"(?m)^{proposalId}\t", rebalance);

            foreach (string view in Views.Append("login-refused"))
            {
                var file = new FileInfo(Path.Combine(shots, view + ".png"));
                Assert.True(file.Exists && file.Length > 10_000, $"{file.FullName} was not written");
            }

            // The files themselves: served from memory with a strict policy, unknown ones are a 404 problem.
            using var anonymous = server.CreateClient(null);
            using var page = await anonymous.GetAsync("/admin/ui/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Api.AssertProblem(await Api.GetAsync(anonymous, "/admin/ui/nothing.js"), HttpStatusCode.NotFound, "not-found");
        }
        finally
        {
            await stopTraffic.CancelAsync();
            if (traffic is not null)
            {
                await traffic;
            }

            foreach (var shard in fixture.Manifest.Shards)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, $"drop table if exists {table}");
            }

            // This test's statements would top other tests' slow-query lists and advisor runs: forget them.
            foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
            {
                await Db.ExecuteAsync(node.AdminConnectionString,
                    $"select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like '%{suffix}%'");
            }

            if (proposalId is { } id)
            {
                await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_proposals where id = @id", ("id", id));
            }
        }
    }

    // As the page's fmt.ms prints a duration.
    private static string Ms(double ms) =>
        (ms < 10 ? ms.ToString("0.00", CultureInfo.InvariantCulture) : ms < 1000 ? ms.ToString("0.0", CultureInfo.InvariantCulture) : ms.ToString("N0", CultureInfo.InvariantCulture)) + " ms";

    private static async Task CachedReadsAsync(HttpClient app, CancellationToken stop)
    {
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            string team = $"team-{(i % 6) + 1}";
            try
            {
                await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = "select task_id, title from tasks where team_id = @team limit 5", @params = new { team } });
                await Task.Delay(40, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
