using System.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>psql (postgresql-client-15) against the wire front end, with the URL <c>./datatier dev up</c> prints.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PsqlWireTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 60_000)]
    public async Task Count_of_a_team_equals_the_owner_shards_count()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        var (code, stdout, stderr) = await PostgresTools.RunAsync("psql", [wire.Url(), "-At", "-c", "select count(*) from tasks where team_id = 'team-42'"], Bound);
        Assert.True(code == 0, stderr);
        long direct = await Db.ScalarAsync<long>(fixture.Shard(fixture.Ring.GetShard("team-42")).Primary, "select count(*) from tasks where team_id = 'team-42'");
        Assert.Equal(direct.ToString(), stdout.Trim());
    }

    [Fact(Timeout = 60_000)]
    public async Task Describe_commands_list_and_describe_the_demo_tables()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        var (code, stdout, stderr) = await PostgresTools.RunAsync("psql", [wire.Url(), "-X", "-v", "ON_ERROR_STOP=1"], Bound, "\\dt\n\\d tasks\n");
        Assert.True(code == 0, stderr);
        Assert.Contains("activity_logs", stdout);
        Assert.Contains("agent_cards", stdout);
        Assert.Contains("Table \"public.tasks\"", stdout);
        Assert.Contains("team_id", stdout);
        Assert.Contains("tasks_pkey", stdout);
    }

    [Fact(Timeout = 60_000)]
    public async Task Insert_then_rollback_leaves_nothing()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s2", "psql-rollback");
        string script = $"BEGIN;\ninsert into users (team_id, user_id) values ('{team}', 1);\nselect count(*) from users where team_id = '{team}';\nROLLBACK;\n";
        var (code, stdout, stderr) = await PostgresTools.RunAsync("psql", [wire.Url(), "-X", "-At", "-v", "ON_ERROR_STOP=1"], Bound, script);
        Assert.True(code == 0, stderr);
        Assert.Equal(["BEGIN", "INSERT 0 1", "1", "ROLLBACK"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s2").Primary, "select count(*) from users where team_id = @t", ("t", team)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Copy_from_stdin_reports_every_row_and_puts_each_on_its_rings_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = WirePlacement.Prefix("psql-copy");
        var teams = WirePlacement.Keys(prefix, 1000);
        try
        {
            string script = "\\copy tasks (team_id, title) from stdin with (format csv)\n" + string.Concat(teams.Select(t => $"{t},\"psql, {t}\"\n")) + "\\.\n";
            var (code, stdout, stderr) = await PostgresTools.RunAsync("psql", [wire.Url(), "-X", "-At", "-v", "ON_ERROR_STOP=1"], Bound, script);

            Assert.True(code == 0, stderr);
            Assert.Equal("COPY 1000", stdout.Trim());
            await WirePlacement.AssertOnRingAsync(fixture, teams, prefix);
        }
        finally
        {
            await WirePlacement.DeleteAsync(fixture, prefix);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Query_string_mixing_two_shards_is_refused()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string a = fixture.KeyOnShard("s1", "psql-mix");
        string b = fixture.KeyOnShard("s2", "psql-mix");
        var (code, _, stderr) = await PostgresTools.RunAsync(
            "psql", [wire.Url(), "-X", "-c", $"insert into users (team_id, user_id) values ('{a}', 1); insert into users (team_id, user_id) values ('{b}', 1)"], Bound);
        Assert.NotEqual(0, code);
        Assert.Contains("route to shards", stderr);
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s1").Primary, "select count(*) from users where team_id = @t", ("t", a)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Ddl_is_refused_before_it_reaches_a_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        var (code, _, stderr) = await PostgresTools.RunAsync("psql", [wire.Url("admin"), "-X", "-c", "create table wire_ddl_probe (id int)"], Bound);
        Assert.NotEqual(0, code);
        Assert.Contains("DDL and utility statements (CreateStmt) are not allowed", stderr);
        Assert.Equal(0L, await Db.ScalarAsync<long>(fixture.Shard("s1").Primary, "select count(*) from pg_class where relname = 'wire_ddl_probe'"));
    }

    [Fact(Timeout = 60_000)]
    public async Task Interrupt_cancels_a_sleeping_statement_within_two_seconds()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        using var psql = PostgresTools.Start("psql", [wire.Url(), "-X", "-c", "select pg_sleep(30)"]);
        await Task.Delay(1500);
        var stopwatch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-INT", psql.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        var (code, _, stderr) = await PostgresTools.FinishAsync(psql, TimeSpan.FromSeconds(10));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2.5), $"cancel took {stopwatch.Elapsed}");
        Assert.NotEqual(0, code);
        Assert.Contains("canceling statement due to user request", stderr);
    }
}
