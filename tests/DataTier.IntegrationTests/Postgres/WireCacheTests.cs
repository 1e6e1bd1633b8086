using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// Reads on the wire through Core's cache. A row inserted straight into a primary (past DataTier, so nothing is
/// invalidated) shows whether an answer came from the cache: a cached answer does not have it, a node's does.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WireCacheTests(ClusterFixture fixture)
{
    private const string Count = "select count(*) from users where team_id = $1";

    private async Task InsertBehindDataTierAsync(string team, int user) =>
        await Db.ExecuteAsync(fixture.Shard(fixture.Ring.GetShard(team)).Primary,
            "insert into users (team_id, user_id, email) values (@t, @u, @e)", ("t", team), ("u", user), ("e", $"{user}@example.com"));

    private static async Task<long> CountAsync(NpgsqlConnection connection, string team)
    {
        await using var command = new NpgsqlCommand(Count, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = team });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task A_repeated_keyed_read_is_answered_from_the_cache()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string team = fixture.KeyOnShard("s1", "wire-cache-hit");
        // The first read plans the statement; the fill that follows it is the one kept.
        long before = await CountAsync(connection, team);
        Assert.Equal(before, await CountAsync(connection, team));

        await InsertBehindDataTierAsync(team, 1);

        Assert.Equal(before, await CountAsync(connection, team));
        await ExecuteAsync(connection, "set datatier.consistency = strong");
        Assert.Equal(before + 1, await CountAsync(connection, team));
    }

    [Fact(Timeout = 60_000)]
    public async Task Cache_bypass_reads_the_node()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string team = fixture.KeyOnShard("s2", "wire-cache-bypass");
        long before = await CountAsync(connection, team);
        await InsertBehindDataTierAsync(team, 1);

        await ExecuteAsync(connection, "set datatier.cache = bypass");
        await Db.WaitUntilAsync(async () => await CountAsync(connection, team) == before + 1, TimeSpan.FromSeconds(10), "the replica replays the insert");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_simple_protocol_read_is_answered_from_the_cache()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "wire-cache-simple");
        string sql = $"select count(*) from users where team_id = '{team}'";
        var first = await PostgresTools.RunAsync("psql", [wire.Url(), "-Atc", sql], TimeSpan.FromSeconds(20));
        Assert.Equal(0, first.Code);
        Assert.Equal(first.Stdout, (await PostgresTools.RunAsync("psql", [wire.Url(), "-Atc", sql], TimeSpan.FromSeconds(20))).Stdout);

        await InsertBehindDataTierAsync(team, 1);

        var second = await PostgresTools.RunAsync("psql", [wire.Url(), "-Atc", sql], TimeSpan.FromSeconds(20));
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_on_the_wire_is_seen_by_the_next_read_of_the_same_connection()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string team = fixture.KeyOnShard("s2", "wire-cache-own-write");
        for (int user = 1; user <= 5; user++)
        {
            long before = await CountAsync(connection, team);
            Assert.Equal(before, await CountAsync(connection, team));
            await using (var insert = new NpgsqlCommand("insert into users (team_id, user_id, email) values ($1, $2, 'x@example.com')", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = team });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)user });
                await insert.ExecuteNonQueryAsync();
            }

            Assert.Equal(before + 1, await CountAsync(connection, team));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task An_http_write_through_another_instance_is_seen_by_a_cached_wire_read_after_the_staleness_bound()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var other = await DataTierServer.StartAsync(fixture);
        using var http = other.CreateClient(fixture.Manifest.Keys.App);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string team = fixture.KeyOnShard("s1", "wire-cache-cross");
        for (int user = 1; user <= 5; user++)
        {
            long before = await CountAsync(connection, team);
            Assert.Equal(before, await CountAsync(connection, team));
            await Api.OkAsync(http, "/v1/execute", new
            {
                shardKey = team,
                sql = "insert into users (team_id, user_id, email) values (@t, @u, @e)",
                @params = new { t = team, u = user, e = $"{user}@example.com" },
            });

            // DataTier:Cache:MaxStalenessMs is 50 ms: past it, no in-memory decision may miss the write.
            await Task.Delay(150);
            await Db.WaitUntilAsync(async () => await CountAsync(connection, team) == before + 1, TimeSpan.FromSeconds(10), "the wire read sees the HTTP write");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Cache_fresh_sees_an_http_write_through_another_instance_at_once()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var other = await DataTierServer.StartAsync(fixture);
        using var http = other.CreateClient(fixture.Manifest.Keys.App);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        await ExecuteAsync(connection, "set datatier.cache = fresh");
        string team = fixture.KeyOnShard("s2", "wire-cache-fresh");
        for (int user = 1; user <= 20; user++)
        {
            long before = await CountAsync(connection, team);
            await Api.OkAsync(http, "/v1/execute", new
            {
                shardKey = team,
                sql = "insert into users (team_id, user_id, email) values (@t, @u, @e)",
                @params = new { t = team, u = user, e = $"{user}@example.com" },
            });

            // A new key (the version moved) misses; the fill waits for a replica that replayed the write, or reads the primary.
            Assert.Equal(before + 1, await CountAsync(connection, team));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Unknown_cache_mode_is_refused_with_22023()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, "set datatier.cache = sometimes"));
        Assert.Equal("22023", error.SqlState);
    }
}
