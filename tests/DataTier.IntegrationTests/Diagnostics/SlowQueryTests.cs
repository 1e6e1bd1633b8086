using System.Net;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Diagnostics;

[Collection(ClusterCollection.Name)]
public sealed class SlowQueryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_slow_statement_comes_first_by_mean_with_both_sources_and_its_plan_shows_the_sequential_scan()
    {
        // The list merges pg_stat_statements of every shard node, which remembers earlier tests' heavy statements (a
        // million-row merge, fan-outs during a move): forget them, so the statements ranked are this test's.
        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            await Db.ExecuteAsync(node.AdminConnectionString, "select pg_stat_statements_reset()");
        }

        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        string marker = "slow_" + Guid.NewGuid().ToString("N")[..8];
        // A sequential scan over the largest demo table, made heavier by a cross join: the deliberately slow one.
        string slow = $"select count(*) as {marker} from activity_logs a cross join generate_series(1, 20) g where a.details::text like @p";
        for (int i = 0; i < 25; i++)
        {
            await Api.OkAsync(app, "/v1/query", new { shardKey = $"team-{i + 1}", sql = slow, @params = new { p = "%nothing-matches%" }, cache = "bypass" });
            for (int j = 0; j < 8; j++)
            {
                await Api.OkAsync(app, "/v1/query", new { shardKey = $"team-{j + 1}", sql = "select name from teams where team_id = @t", @params = new { t = $"team-{j + 1}" }, cache = "bypass" });
            }
        }

        var (status, body) = await Api.GetAsync(admin, "/admin/db/slow-queries?sort=mean&minCalls=20&limit=10");
        Assert.Equal(HttpStatusCode.OK, status);
        var first = body!["statements"]!.AsArray()[0]!;
        Assert.Contains(marker, (string?)first["fingerprint"], StringComparison.Ordinal);
        Assert.Equal(25, (long)first["dataTier"]!["calls"]!);
        Assert.True((double)first["dataTier"]!["p99Ms"]! > 0);
        Assert.True((long)first["postgres"]!["calls"]! >= 25, "pg_stat_statements saw every execution");
        Assert.True((double)first["postgres"]!["meanMs"]! > 0);
        Assert.NotEmpty(first["postgres"]!["shards"]!.AsArray());
        var fast = body["statements"]!.AsArray().Single(s => ((string?)s!["fingerprint"])!.StartsWith("select name from teams", StringComparison.Ordinal));
        Assert.True((double)first["dataTier"]!["meanMs"]! > (double)fast!["dataTier"]!["meanMs"]!);

        string id = (string)first["fingerprintId"]!;
        var (planStatus, plan) = await Api.GetAsync(admin, $"/admin/db/slow-queries/{id}/plan");
        Assert.Equal(HttpStatusCode.OK, planStatus);
        string planText = plan!["plan"]!.ToJsonString();
        Assert.Contains("\"Seq Scan\"", planText, StringComparison.Ordinal);
        Assert.Contains("\"activity_logs\"", planText, StringComparison.Ordinal);

        Api.AssertProblem(await Api.GetAsync(admin, "/admin/db/slow-queries/0000000000000000/plan"), HttpStatusCode.NotFound, "not-found");
        Api.AssertProblem(await Api.GetAsync(admin, "/admin/db/slow-queries?sort=weird"), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.GetAsync(app, "/admin/db/slow-queries"), HttpStatusCode.Forbidden, "forbidden");
    }
}
