using System.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;
using NpgsqlTypes;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>Npgsql against the wire front end, used exactly as applications use it: a data source from a connection string.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NpgsqlWireTests(ClusterFixture fixture)
{
    [Fact(Timeout = 60_000)]
    public async Task Keyed_count_equals_the_owner_shards_count()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = source.CreateCommand("select count(*) from tasks where team_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = "team-42" });
        long viaWire = (long)(await command.ExecuteScalarAsync())!;

        string owner = fixture.Ring.GetShard("team-42");
        long direct = await Db.ScalarAsync<long>(fixture.Shard(owner).Primary, "select count(*) from tasks where team_id = 'team-42'");
        Assert.Equal(direct, viaWire);
        Assert.True(direct > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Inserted_row_reads_back_with_every_column_type_in_binary_results()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        string team = fixture.KeyOnShard("s2", "wire-types");
        var taskId = Guid.NewGuid();
        var created = new DateTime(2026, 12, 1, 10, 30, 15, DateTimeKind.Utc).AddTicks(1230);
        await using (var insert = source.CreateCommand("insert into tasks (team_id, task_id, user_id, priority, title, created_at) values ($1, $2, $3, $4, $5, $6)"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = team });
            insert.Parameters.Add(new NpgsqlParameter { Value = taskId });
            insert.Parameters.Add(new NpgsqlParameter { Value = 9_000_000_000L });
            insert.Parameters.Add(new NpgsqlParameter { Value = 7 });
            insert.Parameters.Add(new NpgsqlParameter { Value = "héllo wire" });
            insert.Parameters.Add(new NpgsqlParameter { Value = created });
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
        }

        await using var read = source.CreateCommand("select task_id, user_id, priority, title, created_at from tasks where team_id = $1");
        read.Parameters.Add(new NpgsqlParameter { Value = team });
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(taskId, reader.GetGuid(0));
        Assert.Equal(9_000_000_000L, reader.GetInt64(1));
        Assert.Equal(7, reader.GetInt32(2));
        Assert.Equal("héllo wire", reader.GetString(3));
        Assert.Equal(created, reader.GetDateTime(4));
        Assert.False(await reader.ReadAsync());

        long onOwner = await Db.ScalarAsync<long>(fixture.Shard("s2").Primary, "select count(*) from tasks where team_id = @t", ("t", team));
        Assert.Equal(1, onOwner);
    }

    [Fact(Timeout = 60_000)]
    public async Task Parameters_of_every_type_round_trip_in_binary_and_text_results()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        const string sql = "select $1::text, $2::int4, $3::int8, $4::numeric, $5::bool, $6::uuid, $7::timestamptz, $8::date, $9::jsonb, $10::text[], $11::text";
        var id = Guid.NewGuid();
        var at = new DateTime(2026, 12, 3, 7, 0, 0, DateTimeKind.Utc);
        object[] values = ["ünïcode", 42, 9_007_199_254_740_993L, 12345.678901m, true, id, at, new DateOnly(2026, 2, 28), "{\"a\": [1, 2]}", new[] { "x", "y,z", "" }, DBNull.Value];

        foreach (bool text in new[] { false, true })
        {
            await using var command = source.CreateCommand(sql);
            command.AllResultTypesAreUnknown = text;
            for (int i = 0; i < values.Length; i++)
            {
                command.Parameters.Add(i == 8 ? new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Jsonb, Value = values[i] } : new NpgsqlParameter { Value = values[i] });
            }

            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            if (text)
            {
                Assert.Equal("ünïcode", reader.GetString(0));
                Assert.Equal("42", reader.GetString(1));
                Assert.Equal("9007199254740993", reader.GetString(2));
                Assert.Equal("12345.678901", reader.GetString(3));
                Assert.Equal("t", reader.GetString(4));
                Assert.Equal(id.ToString(), reader.GetString(5));
                Assert.StartsWith("2026-12-03 07:00:00", reader.GetString(6));
                Assert.Equal("2026-02-28", reader.GetString(7));
                Assert.Equal("{\"a\": [1, 2]}", reader.GetString(8));
                Assert.Equal("{x,\"y,z\",\"\"}", reader.GetString(9));
            }
            else
            {
                Assert.Equal("ünïcode", reader.GetString(0));
                Assert.Equal(42, reader.GetInt32(1));
                Assert.Equal(9_007_199_254_740_993L, reader.GetInt64(2));
                Assert.Equal(12345.678901m, reader.GetDecimal(3));
                Assert.True(reader.GetBoolean(4));
                Assert.Equal(id, reader.GetGuid(5));
                Assert.Equal(at, reader.GetDateTime(6));
                Assert.Equal(new DateOnly(2026, 2, 28), reader.GetFieldValue<DateOnly>(7));
                Assert.Equal("{\"a\": [1, 2]}", reader.GetString(8));
                Assert.Equal(["x", "y,z", ""], reader.GetFieldValue<string[]>(9));
            }

            Assert.True(reader.IsDBNull(10));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Batch_runs_its_statements_on_the_keys_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        string team = fixture.KeyOnShard("s1", "wire-batch");
        await using var batch = source.CreateBatch();
        for (int i = 0; i < 3; i++)
        {
            var insert = new NpgsqlBatchCommand("insert into users (team_id, user_id, email) values ($1, $2, $3)");
            insert.Parameters.Add(new NpgsqlParameter { Value = team });
            insert.Parameters.Add(new NpgsqlParameter { Value = (long)i });
            insert.Parameters.Add(new NpgsqlParameter { Value = $"u{i}@example.com" });
            batch.BatchCommands.Add(insert);
        }

        var count = new NpgsqlBatchCommand("select count(*) from users where team_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = team });
        batch.BatchCommands.Add(count);
        await using var reader = await batch.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(3L, reader.GetInt64(0));
        Assert.Equal(3L, await Db.ScalarAsync<long>(fixture.Shard("s1").Primary, "select count(*) from users where team_id = @t", ("t", team)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Prepared_statement_survives_transaction_pooling_across_many_commands()
    {
        await using var wire = await WireServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Postgres:BackendPoolSize"] = "2" });
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString() + ";Max Auto Prepare=10;Auto Prepare Min Usages=2");
        await using var other = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        await using var otherConnection = await other.OpenConnectionAsync();
        for (int i = 0; i < 20; i++)
        {
            string team = $"team-{1 + (i % 30)}";
            await using var command = new NpgsqlCommand("select count(*) from tasks where team_id = $1", connection);
            command.Parameters.Add(new NpgsqlParameter { Value = team });
            long viaWire = (long)(await command.ExecuteScalarAsync())!;
            long direct = await Db.ScalarAsync<long>(fixture.Shard(fixture.Ring.GetShard(team)).Primary, "select count(*) from tasks where team_id = @t", ("t", team));
            Assert.Equal(direct, viaWire);

            // Another client uses the same two backends in between.
            await using var interleaved = new NpgsqlCommand("select 1", otherConnection);
            Assert.Equal(1, (int)(await interleaved.ExecuteScalarAsync())!);
        }

        await using var explicitPrepare = new NpgsqlCommand("select title from tasks where team_id = $1 limit 1", connection);
        explicitPrepare.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "team-3" });
        await explicitPrepare.PrepareAsync();
        for (int i = 0; i < 5; i++)
        {
            explicitPrepare.Parameters[0].Value = $"team-{i + 3}";
            Assert.NotNull(await explicitPrepare.ExecuteScalarAsync());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Pooled_connection_reset_keeps_working_with_and_without_prepared_statements()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        foreach (string extra in new[] { "", ";Max Auto Prepare=10;Auto Prepare Min Usages=1" })
        {
            await using var source = NpgsqlDataSource.Create(wire.ConnectionString() + extra);
            for (int open = 0; open < 3; open++)
            {
                // Npgsql resets a reused pooled connection with DISCARD ALL, or (with prepared statements) RESET ALL and friends.
                await using var connection = await source.OpenConnectionAsync();
                for (int i = 0; i < 3; i++)
                {
                    await using var command = new NpgsqlCommand("select count(*) from tasks where team_id = $1", connection);
                    command.Parameters.Add(new NpgsqlParameter { Value = "team-11" });
                    Assert.True((long)(await command.ExecuteScalarAsync())! > 0);
                }
            }
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Transaction_rolled_back_leaves_nothing()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        string team = fixture.KeyOnShard("s2", "wire-rollback");
        await using (var connection = await source.OpenConnectionAsync())
        {
            await using var transaction = await connection.BeginTransactionAsync();
            for (int i = 0; i < 2; i++)
            {
                await using var insert = new NpgsqlCommand("insert into users (team_id, user_id) values ($1, $2)", connection, transaction);
                insert.Parameters.Add(new NpgsqlParameter { Value = team });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)i });
                await insert.ExecuteNonQueryAsync();
            }

            await using var count = new NpgsqlCommand("select count(*) from users where team_id = $1", connection, transaction);
            count.Parameters.Add(new NpgsqlParameter { Value = team });
            Assert.Equal(2L, (long)(await count.ExecuteScalarAsync())!);
            await transaction.RollbackAsync();
        }

        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s2").Primary, "select count(*) from users where team_id = @t", ("t", team)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Serialization_failure_surfaces_as_40001()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        string team = fixture.KeyOnShard("s1", "wire-serial");
        await using (var seed = source.CreateCommand("insert into users (team_id, user_id, email) values ($1, 1, 'a')"))
        {
            seed.Parameters.Add(new NpgsqlParameter { Value = team });
            await seed.ExecuteNonQueryAsync();
        }

        await using var first = await source.OpenConnectionAsync();
        await using var second = await source.OpenConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await using var secondTransaction = await second.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await ExecuteAsync(second, secondTransaction, "select email from users where team_id = $1 and user_id = 1", team);
        await ExecuteAsync(first, firstTransaction, "update users set email = 'b' where team_id = $1 and user_id = 1", team);
        await firstTransaction.CommitAsync();
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(second, secondTransaction, "update users set email = 'c' where team_id = $1 and user_id = 1", team));
        Assert.Equal(PostgresErrorCodes.SerializationFailure, error.SqlState);
        Assert.True(error.IsTransient);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string key)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteNonQueryAsync();
    }

    [Fact(Timeout = 60_000)]
    public async Task Keyless_write_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = source.CreateCommand("update tasks set priority = priority + 1 where status = 'nonexistent'");
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("shard_key", error.Hint ?? "");
    }

    [Fact(Timeout = 60_000)]
    public async Task Transaction_that_reaches_a_second_shard_is_refused_and_left_aborted()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        string onS1 = fixture.KeyOnShard("s1", "wire-x1");
        string onS2 = fixture.KeyOnShard("s2", "wire-x2");
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var first = new NpgsqlCommand("insert into users (team_id, user_id) values ($1, 1)", connection, transaction))
        {
            first.Parameters.Add(new NpgsqlParameter { Value = onS1 });
            await first.ExecuteNonQueryAsync();
        }

        await using var second = new NpgsqlCommand("insert into users (team_id, user_id) values ($1, 1)", connection, transaction);
        second.Parameters.Add(new NpgsqlParameter { Value = onS2 });
        var error = await Assert.ThrowsAsync<PostgresException>(() => second.ExecuteNonQueryAsync());
        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("s1", error.MessageText);
        Assert.Contains("s2", error.MessageText);

        await using var third = new NpgsqlCommand("select 1", connection, transaction);
        var aborted = await Assert.ThrowsAsync<PostgresException>(() => third.ExecuteScalarAsync());
        Assert.Equal("25P02", aborted.SqlState);
        await transaction.RollbackAsync();
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s1").Primary, "select count(*) from users where team_id = @t", ("t", onS1)));

        await using var after = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, (int)(await after.ExecuteScalarAsync())!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Wrong_password_is_refused_with_28P01()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString("app", "dt_app_not-the-key"));
        var error = await Assert.ThrowsAsync<PostgresException>(async () => await source.OpenConnectionAsync());
        Assert.Equal("28P01", error.SqlState);
    }

    [Fact(Timeout = 60_000)]
    public async Task Read_only_key_cannot_insert()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString("reader"));
        string team = fixture.KeyOnShard("s1", "wire-reader");
        await using var insert = source.CreateCommand("insert into users (team_id, user_id) values ($1, 1)");
        insert.Parameters.Add(new NpgsqlParameter { Value = team });
        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal("42501", error.SqlState);
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s1").Primary, "select count(*) from users where team_id = @t", ("t", team)));

        await using var read = source.CreateCommand("select count(*) from users where team_id = $1");
        read.Parameters.Add(new NpgsqlParameter { Value = team });
        Assert.Equal(0L, (long)(await read.ExecuteScalarAsync())!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Wire_statements_and_errors_are_counted_in_metrics()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using (var source = NpgsqlDataSource.Create(wire.ConnectionString()))
        {
            await using var read = source.CreateCommand("select count(*) from tasks where team_id = 'team-2'");
            await read.ExecuteScalarAsync();
            await using var refused = source.CreateCommand("delete from tasks");
            await Assert.ThrowsAsync<PostgresException>(() => refused.ExecuteNonQueryAsync());
        }

        using var http = wire.Server.CreateClient(null);
        string metrics = await http.GetStringAsync("/metrics");
        Assert.Contains("datatier_wire_statements_total{kind=\"select\",route=\"auto/", metrics);
        Assert.Contains("datatier_wire_errors_total{sqlstate=\"0A000\",source=\"datatier\"}", metrics);
        Assert.Contains("datatier_wire_connections ", metrics);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_stops_a_sleeping_statement_within_two_seconds()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select pg_sleep(30)", connection);
        var stopwatch = Stopwatch.StartNew();
        var running = command.ExecuteNonQueryAsync();
        await Task.Delay(500);
        command.Cancel();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"cancel took {stopwatch.Elapsed}");
        Assert.Equal("57014", (error as PostgresException ?? error.InnerException as PostgresException)?.SqlState);

        await using var after = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, (int)(await after.ExecuteScalarAsync())!);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_stops_a_merged_read_on_every_shard_within_two_seconds()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        // Key-less and ordered: every shard runs it at once, each sleeping 30 s before its first row.
        await using var command = new NpgsqlCommand("select task_id from tasks where pg_sleep(case when task_id is null then 0 else 30 end) is not null order by task_id limit 1", connection);
        var stopwatch = Stopwatch.StartNew();
        var running = command.ExecuteScalarAsync();
        await Task.Delay(500);
        command.Cancel();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => running);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"cancel took {stopwatch.Elapsed}");
        Assert.Equal("57014", (error as PostgresException ?? error.InnerException as PostgresException)?.SqlState);

        await using var after = new NpgsqlCommand("select count(*) from tasks", connection);
        Assert.True((long)(await after.ExecuteScalarAsync())! > 0);
    }

    [Fact(Timeout = 60_000)]
    public async Task Cancel_with_a_wrong_secret_cancels_nothing()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select pg_sleep(1.5)", connection);
        var running = command.ExecuteNonQueryAsync();
        await Task.Delay(300);
        int processId = connection.ProcessID;
        using (var client = new System.Net.Sockets.TcpClient())
        {
            await client.ConnectAsync(System.Net.IPAddress.Loopback, wire.Port);
            var request = new System.Buffers.ArrayBufferWriter<byte>();
            DataTier.Postgres.Protocol.FrontendMessageWriter.WriteCancelRequest(request, processId, Random.Shared.Next());
            await client.GetStream().WriteAsync(request.WrittenMemory);
        }

        await running;
    }

    [Fact(Timeout = 90_000)]
    public async Task Connection_reads_its_own_write_while_replica_replay_is_paused()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        var replica = fixture.Cluster.GetNode("s1-replica1");
        string team = fixture.KeyOnShard("s1", "wire-ryw");
        await using var connection = await source.OpenConnectionAsync();
        await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_pause()");
        try
        {
            for (int i = 0; i < 10; i++)
            {
                await using var insert = new NpgsqlCommand("insert into users (team_id, user_id) values ($1, $2)", connection);
                insert.Parameters.Add(new NpgsqlParameter { Value = team });
                insert.Parameters.Add(new NpgsqlParameter { Value = (long)i });
                await insert.ExecuteNonQueryAsync();

                await using var read = new NpgsqlCommand("select count(*) from users where team_id = $1", connection);
                read.Parameters.Add(new NpgsqlParameter { Value = team });
                Assert.Equal(i + 1L, (long)(await read.ExecuteScalarAsync())!);
            }

            // The paused replica really lacks the rows: an eventual read on another connection may be served by it.
            Assert.Equal(0L, await Db.ScalarAsync<long>(replica.SuperuserConnectionString.Replace("Database=postgres", "Database=" + ShardDatabase(fixture), StringComparison.Ordinal),
                "select count(*) from users where team_id = @t", ("t", team)));
        }
        finally
        {
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "select pg_wal_replay_resume()");
        }
    }

    private static string ShardDatabase(ClusterFixture fixture) => new NpgsqlConnectionStringBuilder(fixture.Shard("s1").Primary).Database!;
}
