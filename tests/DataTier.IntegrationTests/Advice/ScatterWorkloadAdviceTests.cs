using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Advice;

/// <summary>
/// "Run the workload, then advise once": a workload that reaches the shards only through fan-out reads (which the
/// cross-shard planner rewrites and runs through the ownership views) is seen by the very next advisor run.
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
                await Api.OkAsync(app, "/v1/scatter", new { sql = Statement, @params = new { p = $"Task {n % 50 + 1} of team-{n % 7 + 1}" }, consistency = "strong", cache = "bypass" });
            }

            var (status, report) = await Api.PostAsync(admin, "/admin/db/optimize", new { });
            Assert.True(status == HttpStatusCode.OK, report?.ToJsonString());
            output.WriteLine(report!.ToJsonString());

            var recommendation = Assert.Single(report["recommendations"]!.AsArray(),
                r => (string)r!["table"]! == "public.tasks" && r["columns"]!.AsArray().Select(c => (string)c!).SequenceEqual(["title"]));
            Assert.Equal(fixture.Manifest.Shards.Select(s => s.Id).Order(), recommendation!["shards"]!.AsArray().Select(s => (string)s!).Order());
            var evidence = recommendation["statements"]!.AsArray();
            foreach (var shard in fixture.Manifest.Shards)
            {
                // Every scatter read ran once on each shard: the calls are the workload's, counted on each shard.
                var mine = Assert.Single(evidence, s => (string)s!["shard"]! == shard.Id);
                Assert.True((long)mine!["calls"]! >= 60, mine.ToJsonString());
            }
        }
        finally
        {
            foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
            {
                await Db.ExecuteAsync(node.AdminConnectionString,
                    "select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like '%from tasks where title%'");
            }
        }
    }
}
