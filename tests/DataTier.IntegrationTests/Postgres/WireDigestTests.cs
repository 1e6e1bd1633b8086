using DataTier.Core.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>Wire statements in Core's query digest (what slow queries and DB performance report), labelled by front end.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WireDigestTests(ClusterFixture fixture)
{
    [Fact(Timeout = 60_000)]
    public async Task A_shape_sent_through_both_front_ends_is_one_digest_entry_labelled_with_both()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "wire-digest");
        await using (var connection = await Db.OpenAsync(wire.ConnectionString()))
        {
            await using var set = new NpgsqlCommand("set datatier.cache = bypass", connection);
            await set.ExecuteNonQueryAsync();
            for (int i = 0; i < 5; i++)
            {
                await using var command = new NpgsqlCommand("select count(*) as wire_digest_probe from tasks where team_id = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = team });
                await command.ExecuteScalarAsync();
            }
        }

        using var http = wire.Server.CreateClient(fixture.Manifest.Keys.App);
        await Api.OkAsync(http, "/v1/query", new { shardKey = team, sql = "select count(*) as wire_digest_probe from tasks where team_id = @t", @params = new { t = team }, cache = "bypass" });

        var entry = Assert.Single(wire.Server.Services.GetRequiredService<QueryDigest>().Snapshot(), e => e.Fingerprint.Contains("wire_digest_probe", StringComparison.Ordinal));
        Assert.Equal(6, entry.Calls);
        Assert.Equal(new[] { "http", "wire" }, entry.FrontEnds);
        Assert.Contains("s1", entry.Shards);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_cache_hit_on_the_wire_counts_as_a_cache_hit_in_the_digest()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s2", "wire-digest-hit");
        await using (var connection = await Db.OpenAsync(wire.ConnectionString()))
        {
            for (int i = 0; i < 4; i++)
            {
                await using var command = new NpgsqlCommand("select count(*) as wire_digest_hit_probe from tasks where team_id = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = team });
                await command.ExecuteScalarAsync();
            }
        }

        var entry = Assert.Single(wire.Server.Services.GetRequiredService<QueryDigest>().Snapshot(), e => e.Fingerprint.Contains("wire_digest_hit_probe", StringComparison.Ordinal));
        Assert.Equal(4, entry.Calls);
        Assert.True(entry.CacheHits >= 2, $"{entry.CacheHits} cache hits of 4 reads");
        Assert.Contains("cache", entry.Roles);
    }
}
