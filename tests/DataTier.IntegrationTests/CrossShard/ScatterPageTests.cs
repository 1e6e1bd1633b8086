using System.Net;
using System.Text.Json.Nodes;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.IntegrationTests.Rebalancing;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.CrossShard;

/// <summary>
/// Keyset pages of a scatter read through <c>/v1/scatter</c>'s <c>page</c>: every row of <c>tasks</c> exactly once,
/// while other writers insert and while a rebalance moves ranges between pages.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ScatterPageTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Ordered = "select team_id, task_id, title from tasks order by team_id, task_id";

    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    [Fact(Timeout = 120_000)]
    public async Task Pages_of_500_return_every_row_of_tasks_exactly_once()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var expected = await RowsOnTheShardsAsync(fixture.Manifest.Shards.Select(s => s.PrimaryAdmin));

        var read = new List<string>();
        int pages = 0;
        await foreach (var page in PagesAsync(app, Ordered, 500))
        {
            pages++;
            Assert.True(page.Count <= 500);
            read.AddRange(page);
        }

        output.WriteLine($"{read.Count} rows in {pages} pages");
        Assert.Equal(expected.Count, read.Count);
        Assert.Equal(expected.Order(StringComparer.Ordinal), read);
    }

    [Fact(Timeout = 120_000)]
    public async Task Pages_read_while_rows_are_inserted_return_every_earlier_row_once_and_no_row_twice()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string marker = "page-" + Guid.NewGuid().ToString("N")[..8];
        var before = await RowsOnTheShardsAsync(fixture.Manifest.Shards.Select(s => s.PrimaryAdmin));
        var teams = before.Select(r => r.Split('/')[0]).Distinct().ToArray();
        using var stop = new CancellationTokenSource();
        int inserted = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                string team = teams[inserted % teams.Length];
                await Api.OkAsync(app, "/v1/execute", new
                {
                    shardKey = team,
                    sql = "insert into tasks (team_id, task_id, priority, title, created_at) values (@t, gen_random_uuid(), 1, @title, now())",
                    @params = new { t = team, title = $"{marker} {inserted}" },
                });
                inserted++;
            }
        });
        try
        {
            var read = new List<string>();
            await foreach (var page in PagesAsync(app, Ordered, 500))
            {
                read.AddRange(page);
                await Task.Delay(20);
            }

            stop.Cancel();
            await writer;
            output.WriteLine($"{read.Count} rows read while {inserted} were inserted");
            Assert.True(inserted > 0);
            Assert.Equal(read.Count, read.Distinct(StringComparer.Ordinal).Count());
            Assert.Empty(before.Except(read, StringComparer.Ordinal));
        }
        finally
        {
            stop.Cancel();
            await writer.ContinueWith(static _ => { }, TaskScheduler.Default);
            foreach (var shard in fixture.Manifest.Shards)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, "delete from tasks where starts_with(title, @p)", ("p", marker));
            }
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task Pages_read_across_a_rebalance_return_every_row_exactly_once()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_moves");
        await using var extra = await ExtraShardDatabase.CreateAsync(fixture);
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:CleanupGraceSeconds"] = "1",
        });
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        try
        {
            var expected = await RowsOnTheShardsAsync(fixture.Manifest.Shards.Select(s => s.PrimaryAdmin));
            var read = new List<string>();
            int pages = 0;
            long moveId = 0;
            int pagesWhileMoving = 0;
            await foreach (var page in PagesAsync(app, Ordered, 500))
            {
                read.AddRange(page);
                pages++;
                if (pages == 3)
                {
                    // Between two pages the ring gains s3 and ranges start moving to it.
                    Assert.Equal(HttpStatusCode.Created, (await Api.PostAsync(admin, "/admin/shards", new { id = "s3", weight = 1, primary = extra.AppConnectionString })).Status);
                    var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
                    Assert.Equal(HttpStatusCode.Accepted, status);
                    moveId = (long)started!["id"]!;
                }
                else if (pages < 6 && (string?)(await Api.GetAsync(admin, $"/admin/rebalance/{moveId}")).Body!["state"] == "running")
                {
                    pagesWhileMoving++;
                }
                else if (pages == 6)
                {
                    // The later pages read the ring after the move's switch: the ranges' rows are on s3 now.
                    var moved = await MoveWaiter.WaitAsync(admin, moveId, TimeSpan.FromMinutes(2));
                    Assert.True((string?)moved["state"] == "done", moved.ToJsonString());
                }
            }

            Assert.True(pages > 6, $"{pages} pages: too few to read across the move");
            long onNewShard = await Db.ScalarAsync<long>(extra.AppConnectionString, "select count(*) from tasks");
            output.WriteLine($"{read.Count} rows in {pages} pages, {pagesWhileMoving} of them while the move ran; {onNewShard} rows now on s3");

            Assert.Equal(expected.Order(StringComparer.Ordinal), read);

            // And pages after the move, with rows on three shards, still see each row once.
            var after = new List<string>();
            await foreach (var page in PagesAsync(app, Ordered, 500))
            {
                after.AddRange(page);
            }

            Assert.True(onNewShard > 0, "some rows moved to s3");
            Assert.Equal(expected.Order(StringComparer.Ordinal), after);
        }
        finally
        {
            await MoveWaiter.RestoreAsync(admin, "s3");
            await Api.SendAsync(admin, HttpMethod.Delete, "/admin/shards/s3");
        }
    }

    [Fact]
    public async Task A_page_ending_inside_equal_sort_keys_is_refused_rather_than_skipping_rows()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);

        var answer = await Api.PostAsync(app, "/v1/scatter", new { sql = "select status from tasks order by status", consistency = "strong", page = new { size = 10 } });

        Api.AssertProblem(answer, HttpStatusCode.BadRequest, "page-order-not-unique");
    }

    [Fact]
    public async Task A_token_of_another_statement_is_refused()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        var first = await Api.OkAsync(app, "/v1/scatter", new { sql = Ordered, consistency = "strong", page = new { size = 5 } });
        string token = (string)first["page"]!["next"]!;

        var answer = await Api.PostAsync(app, "/v1/scatter", new { sql = "select team_id, task_id from tasks order by team_id, task_id", consistency = "strong", page = new { size = 5, after = token } });

        Api.AssertProblem(answer, HttpStatusCode.BadRequest, "invalid-page-token");
    }

    [Fact]
    public async Task Pages_follow_descending_order_with_nulls_first()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        const string Sql = "select user_id, team_id, task_id from tasks order by user_id desc nulls first, team_id, task_id desc";
        var whole = await Api.OkAsync(app, "/v1/scatter", new { sql = Sql, consistency = "strong", maxRows = 100_000 });
        var expected = whole["rows"]!.AsArray().Select(Key3).ToList();

        var read = new List<string>();
        await foreach (var page in PagesAsync(app, Sql, 700, Key3))
        {
            read.AddRange(page);
        }

        Assert.Equal(expected, read);
    }

    private static string Key(JsonNode? row) => $"{(string)row!["team_id"]!}/{(string)row["task_id"]!}";

    private static string Key3(JsonNode? row) => $"{row!["user_id"]?.ToJsonString() ?? "null"}/{Key(row)}";

    private static async IAsyncEnumerable<List<string>> PagesAsync(HttpClient app, string sql, int size, Func<JsonNode?, string>? key = null)
    {
        string? after = null;
        for (int guard = 0; guard < 10_000; guard++)
        {
            var answer = await Api.OkAsync(app, "/v1/scatter", new { sql, consistency = "strong", page = after is null ? (object)new { size } : new { size, after } });
            yield return answer["rows"]!.AsArray().Select(key ?? Key).ToList();
            after = (string?)answer["page"]!["next"];
            if (after is null)
            {
                yield break;
            }
        }

        throw new InvalidOperationException("more than 10,000 pages");
    }

    private static async Task<List<string>> RowsOnTheShardsAsync(IEnumerable<string> primaries)
    {
        var rows = new List<string>();
        foreach (string primary in primaries)
        {
            rows.AddRange(await Db.StringsAsync(primary, "select team_id || '/' || task_id from tasks"));
        }

        return rows;
    }
}
