using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Caching;

// Runs against the fixture's single Redis; subclasses run the same tests on a Redis Cluster and behind Sentinel.
[Collection(ClusterCollection.Name)]
public class ScatterCacheTests(ClusterFixture fixture)
{
    /// <summary>The Redis the servers use.</summary>
    protected virtual IRedisUnderTest Redis { get; } = new FixtureRedis(fixture);

    private static object Scatter(string marker, string? token = null, string consistency = "eventual", string? cache = null) => new
    {
        sql = "select team_id, user_id, email from users where email like @m",
        @params = new { m = marker + "%" },
        orderBy = new[] { new { column = "email", descending = false } },
        limit = 100,
        consistency,
        token,
        cache,
    };

    private static object Insert(string team, int user, string marker) => new
    {
        shardKey = team,
        sql = "insert into users (team_id, user_id, email) values (@t, @u, @e)",
        @params = new { t = team, u = user, e = $"{marker}{user:D4}@example.com" },
    };

    private static string Marker() => "sc" + Guid.NewGuid().ToString("N")[..10];

    private static List<string> Emails(JsonNode answer) => answer["rows"]!.AsArray().Select(r => (string)r!["email"]!).ToList();

    [Fact]
    public async Task A_repeated_scatter_read_is_served_from_cache_and_a_write_on_any_shard_invalidates_it()
    {
        await using var server = await DataTierServer.StartAsync(fixture, Redis.ServerSettings);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string marker = Marker();
        string onS1 = fixture.KeyOnShard("s1", "scatter-cache"), onS2 = fixture.KeyOnShard("s2", "scatter-cache");
        await Api.OkAsync(app, "/v1/execute", Insert(onS1, 1, marker));
        await Api.OkAsync(app, "/v1/execute", Insert(onS2, 2, marker));

        var first = await Api.OkAsync(app, "/v1/scatter", Scatter(marker));
        Assert.Equal("database", (string?)first["servedBy"]);
        Assert.Null(first["cache"]);
        var second = await Api.OkAsync(app, "/v1/scatter", Scatter(marker));
        Assert.Equal("cache", (string?)second["servedBy"]);
        Assert.Equal("l1", (string?)second["cache"]!["layer"]);
        Assert.Equal(Emails(first), Emails(second));
        Assert.Equal(["s1", "s2"], second["shards"]!.AsArray().Select(s => (string)s!["id"]!).Order());
        Assert.All(second["shards"]!.AsArray(), s => Assert.Equal("cache", (string?)s!["servedBy"]));

        // A write to the other shard than the first row's: the merged answer must change.
        await Api.OkAsync(app, "/v1/execute", Insert(onS2, 3, marker));
        var third = await Api.OkAsync(app, "/v1/scatter", Scatter(marker));
        Assert.Equal("database", (string?)third["servedBy"]);
        Assert.Equal([$"{marker}0001@example.com", $"{marker}0002@example.com", $"{marker}0003@example.com"], Emails(third));

        var bypass = await Api.OkAsync(app, "/v1/scatter", Scatter(marker, cache: "bypass"));
        Assert.Equal("database", (string?)bypass["servedBy"]);
        var strong = await Api.OkAsync(app, "/v1/scatter", Scatter(marker, consistency: "strong"));
        Assert.Equal("database", (string?)strong["servedBy"]);
        Assert.Equal("cache", (string?)(await Api.OkAsync(app, "/v1/scatter", Scatter(marker)))["servedBy"]);
    }

    [Fact]
    public async Task A_write_through_one_instance_is_seen_by_scatter_reads_through_another_within_the_bound_and_at_once_when_fresh()
    {
        await using var a = await DataTierServer.StartAsync(fixture, Redis.ServerSettings);
        await using var b = await DataTierServer.StartAsync(fixture, Redis.ServerSettings);
        using var writer = a.CreateClient(fixture.Manifest.Keys.App);
        using var reader = b.CreateClient(fixture.Manifest.Keys.App);
        string marker = Marker();
        string[] teams = [fixture.KeyOnShard("s1", "scatter-two"), fixture.KeyOnShard("s2", "scatter-two")];
        int bound = b.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Caching.CacheOptions>>().Value.MaxStalenessMs;
        int stale = 0, staleFresh = 0;
        for (int i = 1; i <= 50; i++)
        {
            await Api.OkAsync(reader, "/v1/scatter", Scatter(marker));
            await Api.OkAsync(writer, "/v1/execute", Insert(teams[i % 2], i, marker));
            var answered = System.Diagnostics.Stopwatch.GetTimestamp();
            if ((int)(await Api.OkAsync(reader, "/v1/scatter", Scatter(marker, cache: "fresh")))["rowCount"]! != i)
            {
                staleFresh++;
            }

            var wait = TimeSpan.FromMilliseconds(bound + 2) - System.Diagnostics.Stopwatch.GetElapsedTime(answered);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var after = await Api.OkAsync(reader, "/v1/scatter", Scatter(marker));
            if ((int)after["rowCount"]! != i)
            {
                stale++;
            }
        }

        Assert.Equal(0, staleFresh);
        Assert.Equal(0, stale);
    }

    [Fact]
    public async Task A_session_scatter_read_with_a_fresh_token_never_gets_a_cached_pre_write_result()
    {
        await using var a = await DataTierServer.StartAsync(fixture, Redis.ServerSettings);
        await using var b = await DataTierServer.StartAsync(fixture, Redis.ServerSettings);
        using var writer = a.CreateClient(fixture.Manifest.Keys.App);
        using var reader = b.CreateClient(fixture.Manifest.Keys.App);
        string marker = Marker();
        string[] teams = [fixture.KeyOnShard("s1", "scatter-session"), fixture.KeyOnShard("s2", "scatter-session")];
        for (int i = 1; i <= 30; i++)
        {
            await Api.OkAsync(reader, "/v1/scatter", Scatter(marker));
            await Api.OkAsync(reader, "/v1/scatter", Scatter(marker));
            var written = await Api.OkAsync(writer, "/v1/execute", Insert(teams[i % 2], i, marker));
            var session = await Api.OkAsync(reader, "/v1/scatter", Scatter(marker, (string)written["token"]!, "session"));
            Assert.Equal(i, (int)session["rowCount"]!);
        }
    }

    [Fact]
    public async Task Two_hundred_concurrent_identical_scatter_misses_run_the_query_once_per_shard()
    {
        await using var server = await DataTierServer.StartAsync(fixture, Redis.ServerSettings);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string column = "c_" + Guid.NewGuid().ToString("N")[..12];
        string sql = $"select action, count(*) as {column} from activity_logs where action = @a group by action";
        // Teach DataTier the statement's shape with another value first.
        await Api.OkAsync(app, "/v1/scatter", new { sql, @params = new { a = "agent.run" } });
        // Counted by the shape's text (see CacheBehaviourTests: pg_stat_statements ignores the alias).
        const string shape = "count(*) as c\\_%from activity_logs where action = $1 group by action";
        long before = await StatementCalls.CountAsync(fixture, shape);

        using var gate = new SemaphoreSlim(0);
        var requests = Enumerable.Range(0, 200).Select(async _ =>
        {
            await gate.WaitAsync();
            return await Api.PostAsync(app, "/v1/scatter", new { sql, @params = new { a = "user.login" } });
        }).ToList();
        gate.Release(200);
        var answers = await Task.WhenAll(requests);
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Single(answers.Select(r => r.Body!["rows"]!.ToJsonString()).Distinct());
        Assert.Equal(fixture.Manifest.Shards.Count, await StatementCalls.CountAsync(fixture, shape) - before);
    }
}
