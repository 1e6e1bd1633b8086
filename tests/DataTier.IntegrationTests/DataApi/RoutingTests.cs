using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.DataApi;

[Collection(ClusterCollection.Name)]
public sealed class RoutingTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Rows_written_with_a_thousand_keys_land_only_on_the_shard_the_route_endpoint_names()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        string prefix = "route-" + Guid.NewGuid().ToString("N")[..8];
        var keys = Enumerable.Range(0, 1000).Select(i => $"{prefix}-{i}").ToList();
        var expected = new Dictionary<string, string>();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (key, _) =>
        {
            var written = await Api.OkAsync(app, "/v1/execute", new { shardKey = key, sql = "insert into teams (team_id, name) values (@id, @name)", @params = new { id = key, name = "n" } });
            Assert.Equal(1, (int)written["rowsAffected"]!);
            var (status, route) = await Api.GetAsync(admin, $"/admin/topology/route?key={Uri.EscapeDataString(key)}");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal((string?)written["shard"], (string?)route!["shard"]);
            lock (expected)
            {
                expected[key] = (string)route["shard"]!;
            }
        });

        var found = new Dictionary<string, List<string>>();
        foreach (var shard in fixture.Manifest.Shards)
        {
            await using var conn = await Db.OpenAsync(shard.PrimaryAdmin);
            await using var cmd = new NpgsqlCommand("select team_id from teams where team_id like @p", conn);
            cmd.Parameters.AddWithValue("p", prefix + "-%");
            await using var reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                string key = reader.GetString(0);
                if (!found.TryGetValue(key, out var list))
                {
                    found[key] = list = [];
                }

                list.Add(shard.Id);
            }
        }

        Assert.Equal(1000, found.Count);
        Assert.All(keys, key => Assert.Equal([expected[key]], found[key]));
        Assert.True(expected.Values.Distinct().Count() == fixture.Manifest.Shards.Count, "1,000 keys should reach every shard");
    }
}
