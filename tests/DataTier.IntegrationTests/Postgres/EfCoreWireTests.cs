using DataTier.IntegrationTests.Infrastructure;
using DataTier.IntegrationTests.Postgres.Demo;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// EF Core (Npgsql.EntityFrameworkCore.PostgreSQL) through the wire front end: one <see cref="DemoDbContext"/>, written as
/// for a single database, pointed at the wire by its connection string alone.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EfCoreWireTests(ClusterFixture fixture)
{
    [Fact(Timeout = 60_000)]
    public async Task Linq_query_returns_a_teams_tasks_as_the_same_code_reads_them_from_the_owner_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        const string team = "team-42";
        var viaWire = await TasksOfTeamAsync(wire.ConnectionString(), team);
        var direct = await TasksOfTeamAsync(Direct(fixture.Shard(fixture.Ring.GetShard(team)).Primary), team);

        Assert.NotEmpty(direct);
        Assert.Equal(direct, viaWire);
    }

    [Fact(Timeout = 60_000)]
    public async Task SaveChanges_inserts_a_team_and_its_tasks_on_the_owner_shard_only()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s2", "ef-insert");
        try
        {
            var first = new DemoTask { TeamId = team, TaskId = Guid.NewGuid(), Title = "first", Priority = 3, UserId = 11 };
            var second = new DemoTask { TeamId = team, TaskId = Guid.NewGuid(), Title = "second", Priority = 5 };
            await using (var context = new DemoDbContext(wire.ConnectionString()))
            {
                context.Teams.Add(new DemoTeam { TeamId = team, Name = "EF team" });
                context.Tasks.AddRange(first, second);
                Assert.Equal(3, await context.SaveChangesAsync());
            }

            // EF read the new rows' xmin back (RETURNING), so the entities are ready for a concurrent update.
            Assert.NotEqual(0u, first.Version);
            Assert.NotEqual(0u, second.Version);
            Assert.Equal(["first", "second"], await TitlesOnAsync(fixture.Shard("s2").Primary, team));
            Assert.Empty(await TitlesOnAsync(fixture.Shard("s1").Primary, team));
            Assert.Equal(1L, await Db.ScalarAsync<long>(fixture.Shard("s2").Primary, "select count(*) from teams where team_id = @t", ("t", team)));
        }
        finally
        {
            await DeleteTeamAsync(team);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Stale_update_throws_DbUpdateConcurrencyException_and_keeps_the_first_update()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "ef-concurrency");
        var taskId = Guid.NewGuid();
        try
        {
            await using (var context = new DemoDbContext(wire.ConnectionString()))
            {
                context.Tasks.Add(new DemoTask { TeamId = team, TaskId = taskId, Title = "original" });
                await context.SaveChangesAsync();
            }

            // Two users load the same row; the first saves, the second saves over a version that no longer exists.
            await using var alice = new DemoDbContext(wire.ConnectionString());
            await using var bob = new DemoDbContext(wire.ConnectionString());
            var alicesCopy = await alice.Tasks.SingleAsync(t => t.TeamId == team && t.TaskId == taskId);
            var bobsCopy = await bob.Tasks.SingleAsync(t => t.TeamId == team && t.TaskId == taskId);
            Assert.Equal(alicesCopy.Version, bobsCopy.Version);

            alicesCopy.Title = "alice";
            Assert.Equal(1, await alice.SaveChangesAsync());
            Assert.NotEqual(bobsCopy.Version, alicesCopy.Version);

            bobsCopy.Title = "bob";
            var conflict = await Assert.ThrowsAsync<DbUpdateConcurrencyException>(() => bob.SaveChangesAsync());
            Assert.Same(bobsCopy, Assert.Single(conflict.Entries).Entity);
            Assert.Equal(["alice"], await TitlesOnAsync(fixture.Shard("s1").Primary, team));
        }
        finally
        {
            await DeleteTeamAsync(team);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task TagWith_shard_key_routes_a_linq_query_that_does_not_filter_on_the_key()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        const string team = "team-42";
        string owner = fixture.Ring.GetShard(team);
        var taskId = await Db.ScalarAsync<Guid>(fixture.Shard(owner).Primary, "select task_id from tasks where team_id = @t order by task_id limit 1", ("t", team));

        await using var context = new DemoDbContext(wire.ConnectionString());
        // EF Core writes the tag as a "-- shard_key='team-42'" line before the SELECT: a sqlcommenter hint.
        var task = await context.Tasks.TagWith($"shard_key='{team}'").AsNoTracking().SingleAsync(t => t.TaskId == taskId);

        Assert.Equal(team, task.TeamId);
    }

    [Fact(Timeout = 60_000)]
    public async Task Linq_query_without_the_key_or_a_tag_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var context = new DemoDbContext(wire.ConnectionString());
        var taskId = Guid.NewGuid();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => context.Tasks.AnyAsync(t => t.TaskId == taskId));

        Assert.Equal(PostgresErrorCodes.FeatureNotSupported, refused.SqlState);
        Assert.Contains("shard_key", refused.Hint);
    }

    [Fact(Timeout = 60_000)]
    public async Task SaveChanges_of_an_entity_keyed_without_the_shard_key_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "ef-id-keyed");
        try
        {
            await using var context = new TaskIdKeyedDbContext(wire.ConnectionString());
            await InsertThenRenameAsync(context, team);

            var refused = await Assert.ThrowsAsync<DbUpdateException>(() => context.SaveChangesAsync());

            Assert.Equal(PostgresErrorCodes.FeatureNotSupported, Assert.IsType<PostgresException>(refused.InnerException).SqlState);
            Assert.Equal(["original"], await TitlesOnAsync(fixture.Shard("s1").Primary, team));
        }
        finally
        {
            await DeleteTeamAsync(team);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task SaveChanges_of_an_entity_keyed_without_the_shard_key_routes_by_the_sessions_shard_key()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "ef-id-keyed");
        try
        {
            await using var context = new TaskIdKeyedDbContext(wire.ConnectionString());
            await InsertThenRenameAsync(context, team);

            // What the application adds: the context keeps one connection open, and the session names the key.
            await context.Database.OpenConnectionAsync();
            // SET takes no parameters; the key is this test's own hexadecimal text.
            string setShardKey = $"set datatier.shard_key = '{team}'";
            await context.Database.ExecuteSqlRawAsync(setShardKey);
            Assert.Equal(1, await context.SaveChangesAsync());
            await context.Database.ExecuteSqlRawAsync("reset datatier.shard_key");

            Assert.Equal(["renamed"], await TitlesOnAsync(fixture.Shard("s1").Primary, team));
        }
        finally
        {
            await DeleteTeamAsync(team);
        }
    }

    /// <summary>Saves a new task titled "original", then renames it in the context, unsaved.</summary>
    private static async Task InsertThenRenameAsync(TaskIdKeyedDbContext context, string team)
    {
        // The INSERT names team_id among its columns, so it routes; the UPDATE's WHERE will have only the id and xmin.
        var task = new DemoTask { TeamId = team, TaskId = Guid.NewGuid(), Title = "original" };
        context.Tasks.Add(task);
        Assert.Equal(1, await context.SaveChangesAsync());
        task.Title = "renamed";
    }

    private static async Task<List<(Guid TaskId, string Title, int Priority, string Status)>> TasksOfTeamAsync(string connectionString, string team)
    {
        // The application's query, unchanged whichever connection string it is given.
        await using var context = new DemoDbContext(connectionString);
        var tasks = await context.Tasks.AsNoTracking()
            .Where(t => t.TeamId == team && t.Priority >= 0)
            .OrderBy(t => t.TaskId)
            .ToListAsync();
        return tasks.Select(t => (t.TaskId, t.Title, t.Priority, t.Status)).ToList();
    }

    private static string Direct(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static Task<List<string>> TitlesOnAsync(string primary, string team) =>
        Db.StringsAsync(primary, $"select title from tasks where team_id = '{team}' order by title");

    private async Task DeleteTeamAsync(string team)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.Primary, "delete from tasks where team_id = @t", ("t", team));
            await Db.ExecuteAsync(shard.Primary, "delete from teams where team_id = @t", ("t", team));
        }
    }
}
