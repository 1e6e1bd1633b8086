using Dapper;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// Dapper over a plain <see cref="NpgsqlDataSource"/> pointed at the wire front end: named <c>@parameters</c>, which
/// Npgsql rewrites to <c>$n</c> and binds in binary, and rows mapped onto classes by column name.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DapperWireTests(ClusterFixture fixture)
{
    [Fact(Timeout = 60_000)]
    public async Task Inserted_rows_read_back_equal_with_text_uuid_integer_bigint_timestamptz_jsonb_and_null_columns()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        string team = fixture.KeyOnShard("s2", "dapper-rows");
        var task = new TaskRow
        {
            TeamId = team,
            TaskId = Guid.NewGuid(),
            UserId = 9_000_000_001L,
            Priority = -7,
            Title = "ünïcode 'quoted' \\ title",
            CreatedAt = new DateTime(2026, 12, 2, 23, 59, 58, DateTimeKind.Utc).AddTicks(4560),
        };
        var log = new LogRow { TeamId = team, LogId = Guid.NewGuid(), UserId = null, Action = "created", Details = "{\"n\": 1.5, \"tags\": [\"a\", \"b\"]}" };
        try
        {
            Assert.Equal(1, await connection.ExecuteAsync(
                "insert into tasks (team_id, task_id, user_id, priority, title, created_at) values (@TeamId, @TaskId, @UserId, @Priority, @Title, @CreatedAt)",
                task));
            Assert.Equal(1, await connection.ExecuteAsync(
                "insert into activity_logs (team_id, log_id, user_id, action, details) values (@TeamId, @LogId, @UserId, @Action, @Details::jsonb)",
                log));

            var readTask = await connection.QuerySingleAsync<TaskRow>(
                "select team_id as teamid, task_id as taskid, user_id as userid, priority, title, created_at as createdat from tasks where team_id = @team",
                new { team });
            var readLog = await connection.QuerySingleAsync<LogRow>(
                "select team_id as teamid, log_id as logid, user_id as userid, action, details::text as details from activity_logs where team_id = @team",
                new { team });

            Assert.Equivalent(task, readTask, strict: true);
            Assert.Equal(DateTimeKind.Utc, readTask.CreatedAt.Kind);
            Assert.Equivalent(log, readLog, strict: true);
            Assert.Equal(1L, await Db.ScalarAsync<long>(fixture.Shard("s2").Primary, "select count(*) from activity_logs where team_id = @t and user_id is null", ("t", team)));
        }
        finally
        {
            await Db.ExecuteAsync(fixture.Shard("s2").Primary, "delete from tasks where team_id = @t", ("t", team));
            await Db.ExecuteAsync(fixture.Shard("s2").Primary, "delete from activity_logs where team_id = @t", ("t", team));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Parameters_of_every_type_read_back_equal()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        var sent = new EveryType
        {
            Text = "ünïcode, \"quoted\" and 'single'",
            Integer = int.MinValue,
            BigInt = 9_007_199_254_740_993L,
            Numeric = 79_228_162_514_264.337593543950335m,
            Bool = true,
            Uuid = Guid.NewGuid(),
            Timestamptz = new DateTime(2026, 12, 3, 7, 0, 0, DateTimeKind.Utc).AddTicks(10),
            Date = new DateOnly(2028, 2, 29),
            Jsonb = "{\"a\": [1, 2], \"b\": null}",
            TextArray = ["x", "y,z", "", "null", "ü"],
            Missing = null,
        };

        // A statement that reads no sharded table: it runs on the designated shard, its parameters bound in binary.
        var read = await connection.QuerySingleAsync<EveryType>(
            """
            select @Text as text, @Integer as integer, @BigInt as bigint, @Numeric as numeric, @Bool as bool, @Uuid as uuid,
                   @Timestamptz as timestamptz, @Date as date, @Jsonb::jsonb::text as jsonb, @TextArray as textarray, @Missing as missing,
                   pg_typeof(@Numeric)::text || ' ' || pg_typeof(@Date)::text || ' ' || pg_typeof(@TextArray)::text as types
            """,
            sent);

        Assert.Equal("numeric date text[]", read.Types);
        read.Types = null;
        Assert.Equivalent(sent, read, strict: true);
    }

    private sealed class TaskRow
    {
        public string TeamId { get; set; } = "";

        public Guid TaskId { get; set; }

        public long? UserId { get; set; }

        public int Priority { get; set; }

        public string Title { get; set; } = "";

        public DateTime CreatedAt { get; set; }
    }

    private sealed class LogRow
    {
        public string TeamId { get; set; } = "";

        public Guid LogId { get; set; }

        public long? UserId { get; set; }

        public string Action { get; set; } = "";

        public string Details { get; set; } = "";
    }

    private sealed class EveryType
    {
        public string Text { get; set; } = "";

        public int Integer { get; set; }

        public long BigInt { get; set; }

        public decimal Numeric { get; set; }

        public bool Bool { get; set; }

        public Guid Uuid { get; set; }

        public DateTime Timestamptz { get; set; }

        public DateOnly Date { get; set; }

        public string Jsonb { get; set; } = "";

        public string[] TextArray { get; set; } = [];

        public string? Missing { get; set; }

        /// <summary>The PostgreSQL types the parameters arrived as, so a text-typed fallback cannot pass unnoticed.</summary>
        public string? Types { get; set; }
    }
}
