using System.Net;
using System.Net.Sockets;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;
using Protocol = DataTier.Postgres.Protocol;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>How the wire front end routes, sits beside the HTTP API, and survives hostile bytes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class WireRoutingTests(ClusterFixture fixture)
{
    [Fact(Timeout = 60_000)]
    public async Task Http_api_keeps_its_configured_url_beside_the_wire_listener()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        Assert.NotEqual(wire.Port, wire.Server.BaseAddress.Port);
        using var http = wire.Server.CreateClient(fixture.Manifest.Keys.Admin);
        var (status, body) = await Api.GetAsync(http, "/admin/topology");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotNull(body);
    }

    [Fact(Timeout = 120_000)]
    public async Task Rows_inserted_for_a_thousand_random_teams_land_only_on_the_rings_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        var teams = RandomTeams("placement", seed: 15_001);
        try
        {
            await InsertOneUserPerTeamAsync(wire, teams);

            foreach (var shard in fixture.Manifest.Shards)
            {
                var expected = teams.Where(t => fixture.Ring.GetShard(t) == shard.Id).ToHashSet();
                var onPrimary = await Db.StringsAsync(shard.Primary, $"select team_id from users where team_id like '{Prefix(teams)}%'");
                Assert.NotEmpty(expected);
                Assert.Equal(onPrimary.Count, onPrimary.Distinct().Count());
                Assert.True(expected.SetEquals(onPrimary), $"{shard.Id}: {expected.Except(onPrimary).Count()} rows missing, {onPrimary.Except(expected).Count()} rows of other shards");
            }
        }
        finally
        {
            await DeleteTeamsAsync(teams);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Set_shard_key_comment_hint_and_automatic_routing_give_the_same_rows()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();

        // A demo team with many rows, read by a literal key.
        string team = "team-7";
        var automatic = await TitlesAsync(connection, $"select title from tasks where team_id = '{team}' order by task_id");
        var hinted = await TitlesAsync(connection, $"/* shard_key='{team}' */ select title from tasks where team_id in (select '{team}') order by task_id");
        await SetShardKeyAsync(connection, team);
        await using (var show = new NpgsqlCommand("show datatier.shard_key", connection))
        {
            Assert.Equal(team, (string?)await show.ExecuteScalarAsync());
        }

        var byKey = await TitlesAsync(connection, $"select title from tasks where team_id in (select '{team}') order by task_id");
        Assert.NotEmpty(automatic);
        Assert.Equal(automatic, hinted);
        Assert.Equal(automatic, byKey);
        await using (var reset = new NpgsqlCommand("reset datatier.shard_key", connection))
        {
            await reset.ExecuteNonQueryAsync();
        }

        // A thousand random teams, read by a bound key; "in (select $1)" names no key, so only the hint or the setting routes it.
        var teams = RandomTeams("same-rows", seed: 15_002);
        try
        {
            await InsertOneUserPerTeamAsync(wire, teams);
            await WaitForReplicasAsync(teams);
            for (int i = 0; i < teams.Count; i++)
            {
                string expected = $"{i}:{teams[i]}";
                Assert.Equal([expected], await UsersAsync(connection, "select user_id || ':' || email from users where team_id = $1", teams[i]));
                Assert.Equal([expected], await UsersAsync(connection, $"/* shard_key='{teams[i]}' */ select user_id || ':' || email from users where team_id in (select $1::text)", teams[i]));
                await SetShardKeyAsync(connection, teams[i]);
                Assert.Equal([expected], await UsersAsync(connection, "select user_id || ':' || email from users where team_id in (select $1::text)", teams[i]));
                await using var reset = new NpgsqlCommand("reset datatier.shard_key", connection);
                await reset.ExecuteNonQueryAsync();
            }
        }
        finally
        {
            await DeleteTeamsAsync(teams);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Set_shard_key_routes_the_statements_after_it_in_the_same_batch()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var batch = source.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand("set datatier.shard_key = 'team-8'"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("select count(*) from tasks where team_id in (select 'team-8')"));
        long viaWire = (long)(await batch.ExecuteScalarAsync())!;
        long direct = await Db.ScalarAsync<long>(fixture.Shard(fixture.Ring.GetShard("team-8")).Primary, "select count(*) from tasks where team_id = 'team-8'");
        Assert.Equal(direct, viaWire);
    }

    [Fact(Timeout = 60_000)]
    public async Task Eventual_reads_are_served_by_a_replica_and_strong_ones_by_the_primary()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        Assert.True(await InRecoveryAsync(connection, "eventual"));
        Assert.False(await InRecoveryAsync(connection, "strong"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Wire_write_invalidates_the_http_cache()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        using var http = wire.Server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "wire-cache");
        object Read() => new { shardKey = team, sql = "select count(*) as n from users where team_id = @t", @params = new { t = team }, consistency = "eventual" };
        var before = await Api.OkAsync(http, "/v1/query", Read());
        Assert.Equal(0, (long)before["rows"]![0]!["n"]!);
        await Api.OkAsync(http, "/v1/query", Read());

        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using (var insert = source.CreateCommand("insert into users (team_id, user_id) values ($1, 1)"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = team });
            await insert.ExecuteNonQueryAsync();
        }

        // The invalidation completed before the wire answered; the replica catches up within the lag bound.
        await Db.WaitUntilAsync(
            async () => (long)(await Api.OkAsync(http, "/v1/query", Read()))["rows"]![0]!["n"]! == 1,
            TimeSpan.FromSeconds(10),
            "the HTTP read to see the wire's insert");
    }

    [Fact(Timeout = 60_000)]
    public async Task Hostile_messages_close_only_their_own_connection()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        byte[][] attacks =
        [
            [0, 0, 0, 3],                                   // startup length below the minimum
            [0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0],           // a 2 GB startup packet
            [0, 0, 0, 8, 0x12, 0x34, 0x56, 0x78],           // an unknown request code
            [0, 0, 0, 9, 0, 3, 0, 0, 0xff],                 // startup parameters without a terminator
        ];
        foreach (var attack in attacks)
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, wire.Port);
            var stream = client.GetStream();
            await stream.WriteAsync(attack);
            var answer = new byte[1024];
            using var read = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            int n = await stream.ReadAsync(answer, read.Token);
            // Either a FATAL ErrorResponse, or the connection dropped.
            Assert.True(n == 0 || answer[0] == (byte)'E', $"got {n} bytes starting with {answer[0]}");
        }

        // After authentication: an unknown message type, a Bind longer than the limit, a Bind that lies about its counts.
        byte[][] afterLogin =
        [
            [(byte)'!', 0, 0, 0, 4],
            [(byte)'B', 0x7f, 0, 0, 0],
            [(byte)'B', 0, 0, 0, 10, 0, 0, 0x7f, 0xff, 0, 0],
        ];
        foreach (var message in afterLogin)
        {
            using var raw = await RawWireClient.LoginAsync(wire.Port, "app", fixture.Manifest.Keys.App);
            await raw.SendAsync(message);
            var answer = await raw.ReadAsync();
            Assert.Equal(Protocol.BackendMessageType.ErrorResponse, answer.Type);
            Assert.DoesNotContain(fixture.Manifest.Keys.App, System.Text.Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(answer.Encoded)));
        }

        await using var healthy = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = healthy.CreateCommand("select count(*) from tasks where team_id = 'team-1'");
        Assert.True((long)(await command.ExecuteScalarAsync())! > 0);
    }

    [Fact(Timeout = 120_000)]
    public async Task Thousand_client_connections_share_the_backend_pools_without_errors()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(wire.ConnectionString()) { MaxPoolSize = 1000, Timeout = 60 }.ConnectionString);
        var connections = new NpgsqlConnection[1000];
        try
        {
            // All open at once, then every one runs a keyed read: 1,000 clients over 20 backends per node.
            for (int batch = 0; batch < connections.Length; batch += 100)
            {
                await Task.WhenAll(Enumerable.Range(batch, 100).Select(async i => connections[i] = await source.OpenConnectionAsync()));
            }

            long[] counts = await Task.WhenAll(connections.Select(async (connection, i) =>
            {
                await using var command = new NpgsqlCommand("select count(*) from tasks where team_id = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = $"team-{1 + (i % 50)}" });
                return (long)(await command.ExecuteScalarAsync())!;
            }));
            Assert.All(counts, c => Assert.True(c > 0));
        }
        finally
        {
            foreach (var connection in connections)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }
            }
        }
    }

    /// <summary>A thousand distinct random team keys from <paramref name="seed"/>, behind a prefix unique to this run.</summary>
    private static List<string> RandomTeams(string name, int seed)
    {
        var random = new Random(seed);
        string prefix = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)] + "-";
        var teams = new HashSet<string>();
        while (teams.Count < 1000)
        {
            teams.Add(prefix + random.NextInt64().ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
        }

        return [.. teams];
    }

    private static string Prefix(List<string> teams) => teams[0][..(teams[0].LastIndexOf('-') + 1)];

    /// <summary>Inserts (team, i, team) into users for team i, over the wire, from 8 client connections.</summary>
    private static async Task InsertOneUserPerTeamAsync(WireServer wire, List<string> teams)
    {
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            await using var connection = await source.OpenConnectionAsync();
            for (int i = worker; i < teams.Count; i += 8)
            {
                await using var insert = new NpgsqlCommand("insert into users (team_id, user_id, email) values ($1, $2, $3)", connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = teams[i] });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)i });
                insert.Parameters.Add(new NpgsqlParameter { Value = teams[i] });
                Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            }
        }));
    }

    /// <summary>Reads on the wire may go to replicas, which may not have replayed another connection's inserts yet.</summary>
    private async Task WaitForReplicasAsync(List<string> teams)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            long expected = teams.Count(t => fixture.Ring.GetShard(t) == shard.Id);
            foreach (string replica in shard.Replicas)
            {
                await Db.WaitUntilAsync(
                    async () => await Db.ScalarAsync<long>(replica, $"select count(*) from users where team_id like '{Prefix(teams)}%'") == expected,
                    TimeSpan.FromSeconds(30),
                    $"{shard.Id}'s replica to replay the inserts");
            }
        }
    }

    private async Task DeleteTeamsAsync(List<string> teams)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.Primary, $"delete from users where team_id like '{Prefix(teams)}%'");
        }
    }

    private static async Task SetShardKeyAsync(NpgsqlConnection connection, string key)
    {
        await using var set = new NpgsqlCommand($"set datatier.shard_key = '{key}'", connection);
        await set.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> UsersAsync(NpgsqlConnection connection, string sql, string team)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = team });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static async Task<List<string>> TitlesAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var titles = new List<string>();
        while (await reader.ReadAsync())
        {
            titles.Add(reader.GetString(0));
        }

        return titles;
    }

    private static async Task<bool> InRecoveryAsync(NpgsqlConnection connection, string consistency)
    {
        await using (var set = new NpgsqlCommand($"set datatier.consistency = {consistency}", connection))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var command = new NpgsqlCommand("/* shard_key='team-1' */ select pg_is_in_recovery()", connection);
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
