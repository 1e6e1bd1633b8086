using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class DemoDataPlacementTests(ClusterFixture fixture)
{
    // 20,000 rows: min(1000, max(10, 20000 / 200)) = 100 teams, each with 200 logs, 100 tasks, 10 users, 2 agent cards.
    private const int Teams = 100;

    public static TheoryData<string> Tables => new() { "teams", "users", "tasks", "activity_logs", "agent_cards" };

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task Every_team_on_a_shard_is_one_the_ring_places_on_that_shard(string table)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            var teams = await Db.StringsAsync(shard.Primary, $"SELECT DISTINCT team_id FROM {table}");
            Assert.NotEmpty(teams);
            var misplaced = teams.Where(t => fixture.Ring.GetShard(t) != shard.Id).ToList();
            Assert.True(misplaced.Count == 0, $"{table} on {shard.Id} holds teams the ring places elsewhere: {string.Join(", ", misplaced.Take(10))}");
        }
    }

    // Other tests of the collection write rows of their own keys; the demo data is the team-N rows.
    private const string DemoTeams = "team_id ~ '^team-[0-9]+$'";

    [Fact]
    public async Task Demo_data_covers_every_team_once_with_the_requested_row_counts()
    {
        var teamsByShard = new Dictionary<string, List<string>>();
        foreach (var shard in fixture.Manifest.Shards)
        {
            teamsByShard[shard.Id] = await Db.StringsAsync(shard.Primary, $"SELECT team_id FROM teams WHERE {DemoTeams}");
        }

        var all = teamsByShard.Values.SelectMany(t => t).ToList();
        Assert.Equal(Teams, all.Count);
        Assert.Equal(Enumerable.Range(1, Teams).Select(i => $"team-{i}").Order(), all.Order());

        async Task<long> TotalAsync(string table)
        {
            long total = 0;
            foreach (var shard in fixture.Manifest.Shards)
            {
                total += await Db.ScalarAsync<long>(shard.Primary, $"SELECT count(*) FROM {table} WHERE {DemoTeams}");
            }

            return total;
        }

        Assert.Equal(ClusterFixture.Rows, await TotalAsync("activity_logs"));
        Assert.Equal(ClusterFixture.Rows / 2, await TotalAsync("tasks"));
        Assert.Equal(Teams * 10, await TotalAsync("users"));
        Assert.Equal(Teams * 2, await TotalAsync("agent_cards"));
    }

    [Fact]
    public async Task Task_statuses_priorities_and_dates_fall_in_the_documented_ranges()
    {
        var shard = fixture.Manifest.Shards[0];
        var statuses = await Db.StringsAsync(shard.Primary, "SELECT DISTINCT status FROM tasks ORDER BY 1");
        Assert.Equal(["blocked", "done", "in_progress", "open"], statuses);
        Assert.Equal(0L, await Db.ScalarAsync<long>(shard.Primary,
            "SELECT count(*) FROM tasks WHERE priority NOT BETWEEN 0 AND 4 OR created_at < now() - interval '91 days' OR updated_at < created_at"));
    }
}
