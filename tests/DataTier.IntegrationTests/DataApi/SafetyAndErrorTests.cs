using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.DataApi;

[Collection(ClusterCollection.Name)]
public sealed class SafetyAndErrorTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_delete_hidden_in_a_read_cte_is_refused_and_deletes_nothing()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var shard = fixture.Manifest.Shards[0];
        long before = await Db.ScalarAsync<long>(shard.PrimaryAdmin, "select count(*) from tasks");
        var answer = await Api.PostAsync(app, "/v1/query", new { shardKey = "team-1", sql = "with x as (delete from tasks returning *) select * from x", consistency = "strong" });
        Api.AssertProblem(answer, HttpStatusCode.BadRequest, "write-in-read");
        Assert.Equal(before, await Db.ScalarAsync<long>(shard.PrimaryAdmin, "select count(*) from tasks"));
    }

    [Fact]
    public async Task A_write_the_parser_cannot_see_still_fails_in_the_read_only_transaction()
    {
        // A function that writes looks like a plain SELECT; the READ ONLY transaction stops it on the server.
        string fn = "dt_it_write_" + Guid.NewGuid().ToString("N")[..8];
        foreach (var s in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(s.PrimaryAdmin, $"create function {fn}() returns int language sql as $$ delete from agent_cards where team_id = 'nobody'; select 1 $$");
            await Db.ExecuteAsync(s.PrimaryAdmin, $"grant execute on function {fn}() to datatier_app");
        }

        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var answer = await Api.PostAsync(app, "/v1/query", new { shardKey = "team-1", sql = $"select {fn}()", consistency = "strong", cache = "bypass" });
        Api.AssertProblem(answer, HttpStatusCode.BadRequest, "write-in-read");
        Assert.Equal("25006", (string?)answer.Body!["sqlState"]);
    }

    [Theory]
    [InlineData("select 1; drop table tasks", "multiple-statements")]
    [InlineData("drop table tasks", "utility-statement")]
    [InlineData("copy tasks to program 'id'", "utility-statement")]
    [InlineData("set role postgres", "utility-statement")]
    [InlineData("do $$ begin end $$", "utility-statement")]
    [InlineData("begin", "utility-statement")]
    [InlineData("select * into t2 from tasks", "select-into")]
    [InlineData("select pg_terminate_backend(1)", "forbidden-function")]
    [InlineData("delete from tasks", "write-in-read")]
    [InlineData("select * from tasks where team_id = $1", "positional-parameter")]
    [InlineData("select 'unterminated", "unterminated-literal")]
    public async Task Refused_statements_get_400_before_reaching_a_server(string sql, string code)
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = "team-1", sql }), HttpStatusCode.BadRequest, code);
    }

    [Theory]
    [InlineData("select * from tasks", "statement-not-allowed")]
    [InlineData("truncate tasks", "utility-statement")]
    [InlineData("create table x (a int)", "utility-statement")]
    public async Task Execute_accepts_only_insert_update_delete(string sql, string code)
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        Api.AssertProblem(await Api.PostAsync(app, "/v1/execute", new { shardKey = "team-1", sql }), HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task Every_error_maps_to_its_status_and_problem_type()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var reader = server.CreateClient(fixture.Manifest.Keys.Reader);
        using var anonymous = server.CreateClient(null);
        using var wrongKey = server.CreateClient("dt_app_not_a_real_key");
        string team = fixture.KeyOnShard("s1", "errors");

        Api.AssertProblem(await Api.PostRawAsync(app, "/v1/query", "{\"shardKey\": \"a\", \"sql\": "), HttpStatusCode.BadRequest, "invalid-json");
        Api.AssertProblem(await Api.PostRawAsync(app, "/v1/query", "{\"shardKey\": \"a\", \"sql\": \"select 1\", \"parms\": {}}"), HttpStatusCode.BadRequest, "invalid-json");
        Api.AssertProblem(await Api.PostRawAsync(app, "/v1/query", "{\"sql\": \"select 1\"}"), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select @a::int", @params = new { } }), HttpStatusCode.BadRequest, "missing-parameter");
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select 1", @params = new { a = 1 } }), HttpStatusCode.BadRequest, "unknown-parameter");
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select @a", @params = new { a = new { value = "x", type = "uuid" } } }), HttpStatusCode.BadRequest, "bad-parameter");
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select 1", consistency = "sometimes" }), HttpStatusCode.BadRequest, "invalid-request");
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select 1", consistency = "session", token = "forged" }), HttpStatusCode.BadRequest, "invalid-token");
        Api.AssertProblem(await Api.PostAsync(anonymous, "/v1/query", new { shardKey = team, sql = "select 1" }), HttpStatusCode.Unauthorized, "unauthorized");
        Api.AssertProblem(await Api.PostAsync(wrongKey, "/v1/query", new { shardKey = team, sql = "select 1" }), HttpStatusCode.Unauthorized, "unauthorized");
        Api.AssertProblem(await Api.PostAsync(reader, "/v1/execute", new { shardKey = team, sql = "delete from teams where team_id = @t", @params = new { t = team } }), HttpStatusCode.Forbidden, "forbidden");
        Api.AssertProblem(await Api.GetAsync(app, "/admin/topology"), HttpStatusCode.Forbidden, "forbidden");
        Api.AssertProblem(await Api.GetAsync(app, "/v1/nothing-here"), HttpStatusCode.NotFound, "not-found");

        await Api.OkAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into teams (team_id, name) values (@t, 'a')", @params = new { t = team } });
        var duplicate = await Api.PostAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into teams (team_id, name) values (@t, 'a')", @params = new { t = team } });
        Api.AssertProblem(duplicate, HttpStatusCode.Conflict, "conflict");
        Assert.Equal("23505", (string?)duplicate.Body!["sqlState"]);

        var missingTable = await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select * from no_such_table" });
        Api.AssertProblem(missingTable, HttpStatusCode.UnprocessableEntity, "sql-error");
        Assert.Equal("42P01", (string?)missingTable.Body!["sqlState"]);

        var timeout = await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select pg_sleep(5)", timeoutMs = 200, consistency = "strong" });
        Api.AssertProblem(timeout, HttpStatusCode.GatewayTimeout, "timeout");

        string big = new('x', 2 * 1024 * 1024);
        Api.AssertProblem(await Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = big }), HttpStatusCode.RequestEntityTooLarge, "payload-too-large");

        foreach (var body in new[] { Api.PostAsync(app, "/v1/query", new { shardKey = team, sql = "select 1" }) })
        {
            var (status, json) = await body;
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("Password", json!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task A_serialization_failure_in_a_transaction_is_a_409_with_its_sqlstate()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string k1 = fixture.KeyOnShard("s1", "skew-a");
        string k2 = fixture.KeyOnShard("s1", "skew-b");
        var primary = fixture.Shard("s1").PrimaryAdmin;

        // Write skew: the direct transaction reads k1 and writes k2; DataTier's reads k2 and writes k1.
        await using var conn = await Db.OpenAsync(primary);
        await using var tx = await conn.BeginTransactionAsync(System.Data.IsolationLevel.Serializable);
        await using (var read = new NpgsqlCommand("select count(*) from teams where team_id = @k", conn, tx))
        {
            read.Parameters.AddWithValue("k", k1);
            await read.ExecuteScalarAsync();
        }

        var dataTier = Api.PostAsync(app, "/v1/transaction", new
        {
            shardKey = k1,
            isolation = "serializable",
            statements = new object[]
            {
                new { sql = "select count(*) from teams where team_id = @k", @params = new { k = k2 } },
                new { sql = "select pg_sleep(1.5)" },
                new { sql = "insert into teams (team_id, name) values (@k, 'b')", @params = new { k = k1 } },
            },
        });
        await Task.Delay(500);
        await using (var write = new NpgsqlCommand("insert into teams (team_id, name) values (@k, 'a')", conn, tx))
        {
            write.Parameters.AddWithValue("k", k2);
            await write.ExecuteNonQueryAsync();
        }

        await tx.CommitAsync();
        var answer = await dataTier;
        Api.AssertProblem(answer, HttpStatusCode.Conflict, "conflict");
        Assert.Equal("40001", (string?)answer.Body!["sqlState"]);
        Assert.Equal(0L, await Db.ScalarAsync<long>(primary, "select count(*) from teams where team_id = @k", ("k", k1)));
    }

    [Fact]
    public async Task A_stopped_primary_answers_503_naming_the_shard()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s2", "down");
        await fixture.Cluster.StopNodeAsync("s2-primary", immediate: false);
        try
        {
            var answer = await Api.PostAsync(app, "/v1/execute", new { shardKey = team, sql = "insert into teams (team_id, name) values (@t, 'x')", @params = new { t = team } });
            Api.AssertProblem(answer, HttpStatusCode.ServiceUnavailable, "shard-unavailable");
            Assert.Equal("s2", (string?)answer.Body!["shard"]);
        }
        finally
        {
            await fixture.Cluster.StartNodeAsync("s2-primary");
        }
    }

    [Fact]
    public async Task A_transaction_is_all_or_nothing()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "atomic");
        var answer = await Api.PostAsync(app, "/v1/transaction", new
        {
            shardKey = team,
            statements = new object[]
            {
                new { sql = "insert into teams (team_id, name) values (@t, 'a')", @params = new { t = team } },
                new { sql = "insert into teams (team_id, name) values (@t, 'b')", @params = new { t = team } },
            },
        });
        Api.AssertProblem(answer, HttpStatusCode.Conflict, "conflict");
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s1").PrimaryAdmin, "select count(*) from teams where team_id = @t", ("t", team)));

        var ok = await Api.OkAsync(app, "/v1/transaction", new
        {
            shardKey = team,
            isolation = "repeatable read",
            statements = new object[]
            {
                new { sql = "insert into teams (team_id, name) values (@t, 'a')", @params = new { t = team } },
                new { sql = "select name from teams where team_id = @t", @params = new { t = team } },
            },
        });
        Assert.Equal("a", (string?)ok["results"]![1]!["rows"]![0]!["name"]);
        Assert.False(string.IsNullOrEmpty((string?)ok["token"]));
    }
}
