using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Advice;

/// <summary>
/// "Run the workload, then advise once": a workload that reaches the shards only through fan-out reads (which the
/// cross-shard planner rewrites and runs through the ownership views), through HTTP or the PostgreSQL front end, is
/// seen by the very next advisor run, and one statement read both ways is one statement in the evidence.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ScatterWorkloadAdviceTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Statement = "select count(*) from tasks where title = @p";

    [Fact]
    public async Task A_scatter_only_workload_is_recommended_its_index_by_the_next_run_with_evidence_from_both_shards()
    {
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture);
            using var app = server.CreateClient(fixture.Manifest.Keys.App);
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);

            for (int n = 0; n < 60; n++)
            {
                await Api.OkAsync(app, "/v1/scatter", new { sql = Statement, @params = new { p = Title(n) }, consistency = "strong", cache = "bypass" });
            }

            var evidence = await RecommendedTitleIndexEvidenceAsync(admin);
            foreach (var shard in fixture.Manifest.Shards)
            {
                // Every scatter read ran once on each shard: the calls are the workload's, counted on each shard.
                var mine = Assert.Single(evidence, s => (string)s!["shard"]! == shard.Id);
                Assert.True((long)mine!["calls"]! >= 60, mine.ToJsonString());
            }
        }
        finally
        {
            await ForgetAsync("%from tasks where title%");
        }
    }

    [Fact]
    public async Task A_wire_workload_that_fans_out_is_recommended_its_index_by_the_next_run()
    {
        try
        {
            await using var wire = await WireServer.StartAsync(fixture);
            using var admin = wire.Server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);
            await using (var connection = await Db.OpenAsync(wire.ConnectionString()))
            {
                for (int n = 0; n < 60; n++)
                {
                    await using var count = new NpgsqlCommand("select count(*) from tasks where title = $1", connection) { Parameters = { new() { Value = Title(n) } } };
                    await count.ExecuteScalarAsync();
                }
            }

            var evidence = await RecommendedTitleIndexEvidenceAsync(admin);
            Assert.All(fixture.Manifest.Shards, shard => Assert.True((long)Assert.Single(evidence, s => (string)s!["shard"]! == shard.Id)!["calls"]! >= 60));
        }
        finally
        {
            await ForgetAsync("%from tasks where title%");
        }
    }

    [Fact]
    public async Task A_statement_read_both_by_scatter_and_routed_is_one_statement_in_the_evidence()
    {
        const string plain = "select task_id, created_at from tasks where title = @p";
        var routedShard = fixture.Manifest.Shards[0];
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture);
            using var app = server.CreateClient(fixture.Manifest.Keys.App);
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);
            string key = fixture.KeyOnShard(routedShard.Id, "advq");
            for (int n = 0; n < 30; n++)
            {
                // The request's order and limit reach each shard as a wrap: select * from (...) as dt_scatter order by ... limit 5.
                await Api.OkAsync(app, "/v1/scatter", new
                {
                    sql = plain, @params = new { p = Title(n) }, orderBy = new[] { new { column = "created_at", descending = true } }, limit = 5,
                    consistency = "strong", cache = "bypass",
                });
                await Api.OkAsync(app, "/v1/query", new { shardKey = key, sql = plain, @params = new { p = Title(n) }, consistency = "strong", cache = "bypass" });
            }

            var evidence = await RecommendedTitleIndexEvidenceAsync(admin);
            foreach (var shard in fixture.Manifest.Shards)
            {
                var mine = Assert.Single(evidence, s => (string)s!["shard"]! == shard.Id);
                Assert.DoesNotContain("dt_scatter", (string)mine!["sql"]!, StringComparison.Ordinal);
                Assert.True((long)mine["calls"]! >= (shard.Id == routedShard.Id ? 60 : 30), mine.ToJsonString());
                Assert.True((long)mine["dataTierCalls"]! >= 60, mine.ToJsonString());
            }
        }
        finally
        {
            await ForgetAsync("%from tasks where title%");
        }
    }

    private static string Title(int n) => $"Task {n % 50 + 1} of team-{n % 7 + 1}";

    // One advisor run; the evidence of its index on tasks led by title, which must cover both shards.
    private async Task<JsonArray> RecommendedTitleIndexEvidenceAsync(HttpClient admin)
    {
        var (status, report) = await Api.PostAsync(admin, "/admin/db/optimize", new { });
        Assert.True(status == HttpStatusCode.OK, report?.ToJsonString());
        output.WriteLine(report!.ToJsonString());
        var recommendation = Assert.Single(report["recommendations"]!.AsArray(),
            r => (string)r!["table"]! == "public.tasks" && (string)r["columns"]![0]! == "title");
        Assert.Equal(fixture.Manifest.Shards.Select(s => s.Id).Order(), recommendation!["shards"]!.AsArray().Select(s => (string)s!).Order());
        return recommendation["statements"]!.AsArray();
    }

    private async Task ForgetAsync(string pattern)
    {
        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            await Db.ExecuteAsync(node.AdminConnectionString,
                "select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like @pattern", ("pattern", pattern));
        }
    }
}
