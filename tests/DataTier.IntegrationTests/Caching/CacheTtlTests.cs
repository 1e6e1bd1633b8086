using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DataTier.Core.Caching;
using DataTier.Core.Execution;
using DataTier.Core.Topology;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Caching;

[Collection(ClusterCollection.Name)]
public sealed partial class CacheTtlTests(ClusterFixture fixture)
{
    private const string PrimaryKeyLookup = "select * from teams where team_id = @t";
    private const string GroupedCount = "select status, count(*) from tasks where team_id = @t group by status";
    private const string ThreeTableJoin =
        "select u.user_id, count(*) from users u join tasks t on t.team_id = u.team_id and t.user_id = u.user_id " +
        "join activity_logs a on a.team_id = u.team_id and a.user_id = u.user_id where u.team_id = @t group by u.user_id";

    [Fact]
    public async Task A_three_table_join_with_group_by_lives_longer_than_a_primary_key_lookup_and_a_table_rule_overrides_both()
    {
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Cache:TableTtlSeconds:agent_cards"] = "3600" });
        var lookup = await ProfileAsync(server, PrimaryKeyLookup);
        var join = await ProfileAsync(server, ThreeTableJoin);
        Assert.True(join.Complexity > lookup.Complexity, $"join complexity {join.Complexity} vs lookup {lookup.Complexity}");
        Assert.Equal(["activity_logs", "tasks", "users"], join.Tables.ToArray());

        var ttl = server.Services.GetRequiredService<TtlPolicy>();
        Assert.True(ttl.For(join, 1) > ttl.For(lookup, 1));
        Assert.True(ttl.For(join, 1) > ttl.For(lookup, 50), "complexity weighs more than a slower lookup");

        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var query = new { shardKey = "team-3", sql = "select agent_id, card from agent_cards where team_id = @t", @params = new { t = "team-3" } };
        await Api.OkAsync(app, "/v1/query", query);
        var cached = await Api.OkAsync(app, "/v1/query", query);
        Assert.Equal("cache", (string?)cached["servedBy"]);
        Assert.Equal(3600, (double)cached["cache"]!["ttlSeconds"]!);
    }

    [Fact]
    public async Task A_table_rule_of_zero_means_never_cache()
    {
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Cache:TableTtlSeconds:tasks"] = "0" });
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var query = new { shardKey = "team-4", sql = GroupedCount, @params = new { t = "team-4" } };
        await Api.OkAsync(app, "/v1/query", query);
        var again = await Api.OkAsync(app, "/v1/query", query);
        Assert.NotEqual("cache", (string?)again["servedBy"]);
    }

    [Fact]
    public async Task The_readme_ttl_table_matches_the_formula_and_the_planner()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var ttl = server.Services.GetRequiredService<TtlPolicy>();
        string readme = File.ReadAllText(Path.Combine(RepoRoot(), "README.md"));
        var rows = TtlRow().Matches(readme).ToList();
        Assert.True(rows.Count >= 3, "the README's TTL table has rows");
        var statements = new Dictionary<string, string>
        {
            ["select * from teams where team_id = @t"] = PrimaryKeyLookup,
            ["select status, count(*) from tasks where team_id = @t group by status"] = GroupedCount,
            ["three-table join"] = ThreeTableJoin,
        };
        foreach (Match row in rows)
        {
            string statement = row.Groups["sql"].Value;
            int complexity = int.Parse(row.Groups["c"].Value, CultureInfo.InvariantCulture);
            double ms = double.Parse(row.Groups["ms"].Value, CultureInfo.InvariantCulture);
            double seconds = double.Parse(row.Groups["ttl"].Value, CultureInfo.InvariantCulture);
            Assert.Equal(seconds, Math.Round(ttl.Formula(complexity, ms), 1), 1);
            string key = statements.Keys.Single(k => statement.Contains(k, StringComparison.Ordinal));
            var profile = await ProfileAsync(server, statements[key]);
            Assert.True(complexity == profile.Complexity, $"README says complexity {complexity} for '{key}'; the planner gives {profile.Complexity} ({profile.Features})");
        }
    }

    private async Task<StatementProfile> ProfileAsync(DataTierServer server, string sql)
    {
        var preparer = server.Services.GetRequiredService<StatementPreparer>();
        var topology = server.Services.GetRequiredService<ITopologyProvider>().Current;
        var statement = preparer.Prepare(sql, JsonDocument.Parse("{\"t\": \"team-1\"}").RootElement, StatementPurpose.Read);
        return await server.Services.GetRequiredService<StatementProfiler>().GetAsync(topology.Shards[0].Primary, statement, CancellationToken.None);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "DataTier.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }

    // | `statement` ... | complexity | 0.5 ms | 3.2 s |
    [GeneratedRegex(@"^\| (?<sql>.+?) \| (?<c>\d+) \| (?<ms>[\d.]+) ms \| (?<ttl>[\d.]+) s \|$", RegexOptions.Multiline)]
    private static partial Regex TtlRow();
}
