using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.DataApi;

[Collection(ClusterCollection.Name)]
public sealed class ScatterTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("user.login", 50)]
    [InlineData("comment.added", 7)]
    public async Task Scatter_with_order_by_and_limit_equals_the_same_query_over_the_union_of_all_shards(string action, int limit)
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var reader = server.CreateClient(fixture.Manifest.Keys.Reader);
        const string sql = "select team_id, log_id, created_at from activity_logs where action = @action";
        var answer = await Api.OkAsync(reader, "/v1/scatter", new
        {
            sql,
            @params = new { action },
            orderBy = new object[] { new { column = "created_at", descending = true }, new { column = "log_id", descending = false } },
            limit,
            consistency = "strong",
        });

        // The same query over the union of every shard's rows, ordered and limited by PostgreSQL itself.
        var union = new List<(string Team, Guid Log, DateTime Created)>();
        foreach (var shard in fixture.Manifest.Shards)
        {
            await using var conn = await Db.OpenAsync(shard.PrimaryAdmin);
            await using var cmd = new NpgsqlCommand("select team_id, log_id, created_at from activity_logs where action = @a", conn);
            cmd.Parameters.AddWithValue("a", action);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                union.Add((r.GetString(0), r.GetGuid(1), r.GetDateTime(2)));
            }
        }

        Assert.True(union.Count > limit, $"the demo data should have more than {limit} '{action}' rows; it has {union.Count}");
        var expected = union.OrderByDescending(x => x.Created).ThenBy(x => x.Log.ToString("N"), StringComparer.Ordinal).Take(limit).ToList();
        var rows = answer["rows"]!.AsArray();
        Assert.Equal(limit, rows.Count);
        for (int i = 0; i < limit; i++)
        {
            Assert.Equal(expected[i].Log, Guid.Parse((string)rows[i]!["log_id"]!));
            Assert.Equal(expected[i].Team, (string?)rows[i]!["team_id"]);
        }

        var shards = answer["shards"]!.AsArray();
        Assert.Equal(fixture.Manifest.Shards.Count, shards.Count);
        Assert.All(shards, s => Assert.True((int)s!["rowCount"]! <= limit, "each shard is asked for at most limit rows"));
        Assert.Empty(answer["failedShards"]!.AsArray());
    }

    [Fact]
    public async Task Scatter_without_order_returns_every_shards_rows()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var reader = server.CreateClient(fixture.Manifest.Keys.Reader);
        var answer = await Api.OkAsync(reader, "/v1/scatter", new { sql = "select count(*) as n from teams", consistency = "strong" });
        long total = answer["rows"]!.AsArray().Sum(r => (long)r!["n"]!);
        long direct = 0;
        foreach (var shard in fixture.Manifest.Shards)
        {
            direct += await Db.ScalarAsync<long>(shard.PrimaryAdmin, "select count(*) from teams");
        }

        Assert.Equal(direct, total);
    }
}
