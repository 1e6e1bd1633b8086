using System.Net;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Caching;

[Collection(ClusterCollection.Name)]
public sealed class CacheWarmupTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Warmup_top_n_runs_the_most_frequent_cacheable_shapes_again_with_their_latest_values()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        string team = fixture.KeyOnShard("s1", "warm-top");
        string tag = Guid.NewGuid().ToString("N")[..8];
        object Keyed(string column) => new
        {
            shardKey = team,
            sql = $"select count(*) as {column}_{tag} from activity_logs where team_id = @t",
            @params = new { t = team },
        };
        var scatter = new { sql = $"select count(*) as s_{tag} from teams", orderBy = Array.Empty<object>() };

        // Calls per shape in the digest: the scatter 5 (its miss ran on both shards, then 3 hits), x 3, y 2, z 1;
        // w, read 5 times with strong consistency, is not cacheable and so never warmed.
        for (int i = 0; i < 4; i++)
        {
            await Api.OkAsync(app, "/v1/scatter", scatter);
        }

        foreach (var (column, times) in new[] { ("x", 3), ("y", 2), ("z", 1) })
        {
            for (int i = 0; i < times; i++)
            {
                await Api.OkAsync(app, "/v1/query", Keyed(column));
            }
        }

        for (int i = 0; i < 5; i++)
        {
            await Api.OkAsync(app, "/v1/query", new { shardKey = team, sql = $"select 1 as w_{tag}", consistency = "strong" });
        }

        await Api.OkAsync(admin, "/admin/cache/invalidate", new { all = true });

        var warm = await Api.OkAsync(admin, "/admin/cache/warmup", new { top = 3 });
        Assert.Equal(3, (int)warm["warmed"]!);
        Assert.Equal(0, (int)warm["failed"]!);
        var statements = warm["statements"]!.AsArray();
        Assert.Equal(["*", "s1", "s1"], statements.Select(s => (string)s!["shard"]!));
        Assert.Contains($"s_{tag}", (string)statements[0]!["fingerprint"]!);
        Assert.Contains($"x_{tag}", (string)statements[1]!["fingerprint"]!);
        Assert.Contains($"y_{tag}", (string)statements[2]!["fingerprint"]!);
        Assert.Equal([5L, 3L, 2L], statements.Select(s => (long)s!["calls"]!));

        var x = await Api.OkAsync(app, "/v1/query", Keyed("x"));
        Assert.Equal("cache", (string?)x["servedBy"]);
        var all = await Api.OkAsync(app, "/v1/scatter", scatter);
        Assert.Equal("cache", (string?)all["servedBy"]);
        var z = await Api.OkAsync(app, "/v1/query", Keyed("z"));
        Assert.NotEqual("cache", (string?)z["servedBy"]);
    }

    [Fact]
    public async Task Warmup_refuses_a_request_that_names_both_or_neither_or_an_out_of_range_top()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/cache/warmup", new { }), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/cache/warmup", new { top = 2, statements = new[] { new { shardKey = "t", sql = "select 1" } } }), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/cache/warmup", new { top = 0 }), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.PostAsync(admin, "/admin/cache/warmup", new { top = 1001 }), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.PostRawAsync(admin, "/admin/cache/warmup", "{\"top\": \"many\"}"), HttpStatusCode.BadRequest, "invalid-json");
    }
}
