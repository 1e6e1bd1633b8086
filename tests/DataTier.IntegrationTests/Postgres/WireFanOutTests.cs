using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>Key-less reads of sharded tables on the wire: every shard's rows, one answer.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WireFanOutTests(ClusterFixture fixture)
{
    private async Task<string> InsertOnBothShardsAsync(NpgsqlConnection connection, string marker)
    {
        foreach (string shard in new[] { "s1", "s2" })
        {
            await using var insert = new NpgsqlCommand("insert into users (team_id, user_id, email) values ($1, $2, $3)", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = fixture.KeyOnShard(shard, marker) });
            // Below 900,000,000: the ids from there on belong to the rebalancing tests' load, which checks them one by one.
            insert.Parameters.Add(new NpgsqlParameter { Value = Random.Shared.NextInt64(1_000_000, 900_000_000) });
            insert.Parameters.Add(new NpgsqlParameter { Value = marker + "@example.com" });
            await insert.ExecuteNonQueryAsync();
        }

        return marker + "@example.com";
    }

    [Fact(Timeout = 60_000)]
    public async Task Keyless_read_returns_the_rows_of_every_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string email = await InsertOnBothShardsAsync(connection, "fanout-" + Guid.NewGuid().ToString("N")[..8]);

        await using var read = new NpgsqlCommand("select team_id, user_id from users where email = $1", connection);
        read.Parameters.Add(new NpgsqlParameter { Value = email });
        var teams = new List<string>();
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                teams.Add(reader.GetString(0));
            }
        }

        Assert.Equal(2, teams.Count);
        Assert.Equal(new[] { "s1", "s2" }, teams.Select(t => fixture.Ring.GetShard(t)).Order().ToArray());
    }

    [Fact(Timeout = 60_000)]
    public async Task Keyless_read_in_psql_prints_every_shards_rows_and_one_row_count()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string email = await InsertOnBothShardsAsync(connection, "fanout-psql-" + Guid.NewGuid().ToString("N")[..8]);

        // A new connection has not seen the inserts: strong reads them from the primaries, not from replicas that may lag.
        var result = await PostgresTools.RunAsync("psql", [wire.Url(), "-c", "set datatier.consistency = strong", "-c", $"select team_id from users where email = '{email}'"], TimeSpan.FromSeconds(20));
        Assert.True(result.Code == 0, result.Stderr);
        Assert.Contains("(2 rows)", result.Stdout);
    }

    [Fact(Timeout = 60_000)]
    public async Task Keyless_window_function_is_refused_with_0A000_naming_it()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        await using var command = new NpgsqlCommand("select row_number() over (order by priority) from tasks", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("the window function row_number() OVER (...)", error.MessageText);

        // The connection is still usable.
        await using var keyed = new NpgsqlCommand("select count(*) from tasks where team_id = 'team-42'", connection);
        Assert.True((long)(await keyed.ExecuteScalarAsync())! >= 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Keyless_read_inside_a_transaction_is_refused()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("select team_id from users where email = 'nobody@example.com'", connection, transaction);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        Assert.Equal("0A000", error.SqlState);
    }

    [Fact(Timeout = 60_000)]
    public async Task Keyless_read_error_on_a_shard_ends_the_read_with_that_error()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string email = await InsertOnBothShardsAsync(connection, "fanout-error-" + Guid.NewGuid().ToString("N")[..8]);
        await using var command = new NpgsqlCommand("select 1 / (user_id - user_id) from users where email = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = email });
        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        });
        Assert.Equal("22012", error.SqlState);

        await using var after = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, await after.ExecuteScalarAsync());
    }
}
