using System.Net;
using DataTier.Core.Ownership;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataTier.IntegrationTests.DataApi;

/// <summary>
/// Every shard refuses rows the ring places on another shard: through DataTier (HTTP 409 <c>wrong-shard</c>, wire
/// SQLSTATE DTW01) and behind its back (psql straight to a shard). Nothing of a refused statement is written.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OwnershipGuardTests(ClusterFixture fixture)
{
    private static readonly Dictionary<string, string?> CatalogStore = new() { ["DataTier:Topology:Store"] = "Catalog" };

    private string Primary(string shard) => fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId(shard)).ConnectionString;

    private async Task<DataTierServer> StartGuardedAsync()
    {
        var server = await DataTierServer.StartAsync(fixture, CatalogStore);
        await server.Services.GetRequiredService<OwnershipGuardSynchronizer>().FirstSync.WaitAsync(TimeSpan.FromSeconds(30));
        return server;
    }

    private static Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)> InsertAsync(HttpClient app, string shardKey, string team, string action) =>
        Api.PostAsync(app, "/v1/execute", new
        {
            shardKey,
            sql = "insert into activity_logs(team_id, user_id, action) values (@t, 1, @a)",
            @params = new Dictionary<string, object> { ["t"] = team, ["a"] = action },
        });

    private async Task<long> CountEverywhereAsync(string action)
    {
        long total = 0;
        foreach (string shard in new[] { "s1", "s2" })
        {
            total += await Db.ScalarAsync<long>(Primary(shard), "select count(*) from activity_logs where action = @a", ("a", action));
        }

        return total;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_whose_row_belongs_to_another_shard_is_refused_with_409_naming_the_owner_and_writes_nothing()
    {
        await using var server = await StartGuardedAsync();
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string routed = fixture.KeyOnShard("s1", "guard-routed"), owner = fixture.KeyOnShard("s2", "guard-row");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];

        var answer = await InsertAsync(app, routed, owner, action);

        Api.AssertProblem(answer, HttpStatusCode.Conflict, "wrong-shard");
        Assert.Equal("s2", (string?)answer.Body!["owner"]);
        Assert.Equal("s1", (string?)answer.Body["shard"]);
        Assert.Equal(OwnershipGuard.WrongShardSqlState, (string?)answer.Body["sqlState"]);
        Assert.Contains("'s2'", (string?)answer.Body["detail"], StringComparison.Ordinal);
        Assert.DoesNotContain(owner, answer.Body.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountEverywhereAsync(action));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_keyed_write_refused_as_wrong_shard_records_no_idempotency_key_and_a_corrected_retry_applies()
    {
        await using var server = await StartGuardedAsync();
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string routed = fixture.KeyOnShard("s1", "guard-keyed"), owner = fixture.KeyOnShard("s2", "guard-keyed");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8], key = "guard-" + Guid.NewGuid().ToString("N");

        async Task<(HttpStatusCode Status, System.Text.Json.Nodes.JsonNode? Body)> SendAsync(string shardKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/execute")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new
                {
                    shardKey,
                    sql = "insert into activity_logs(team_id, user_id, action) values (@t, 1, @a)",
                    @params = new Dictionary<string, object> { ["t"] = owner, ["a"] = action },
                }),
            };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            using var response = await app.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? null : System.Text.Json.Nodes.JsonNode.Parse(text));
        }

        Api.AssertProblem(await SendAsync(routed), HttpStatusCode.Conflict, "wrong-shard");
        foreach (string shard in new[] { "s1", "s2" })
        {
            Assert.Equal(0, await Db.ScalarAsync<long>(Primary(shard), "select count(*) from datatier_idempotency.keys where idempotency_key = @k", ("k", key)));
        }

        // Nothing was recorded, so the corrected request is the key's first and applies.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(owner)).Status);
        Assert.Equal(1, await CountEverywhereAsync(action));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_write_whose_row_matches_its_shard_key_is_accepted()
    {
        await using var server = await StartGuardedAsync();
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s2", "guard-ok");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];

        Assert.Equal(HttpStatusCode.OK, (await InsertAsync(app, team, team, action)).Status);

        Assert.Equal(1, await Db.ScalarAsync<long>(Primary("s2"), "select count(*) from activity_logs where action = @a", ("a", action)));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_insert_select_mixing_keys_of_two_shards_is_refused_whole()
    {
        await using var server = await StartGuardedAsync();
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string mine = fixture.KeyOnShard("s1", "guard-mix"), other = fixture.KeyOnShard("s2", "guard-mix");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];

        var answer = await Api.PostAsync(app, "/v1/execute", new
        {
            shardKey = mine,
            sql = "insert into activity_logs(team_id, user_id, action) select t, 1, @a from unnest(array[@m, @o]) t",
            @params = new Dictionary<string, object> { ["m"] = mine, ["o"] = other, ["a"] = action },
        });

        Api.AssertProblem(answer, HttpStatusCode.Conflict, "wrong-shard");
        Assert.Equal("s2", (string?)answer.Body!["owner"]);
        Assert.Equal(0, await CountEverywhereAsync(action));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_update_moving_a_rows_key_to_another_shard_is_refused_and_the_row_keeps_its_key()
    {
        await using var server = await StartGuardedAsync();
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "guard-update"), elsewhere = fixture.KeyOnShard("s2", "guard-update");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.OK, (await InsertAsync(app, team, team, action)).Status);

        var answer = await Api.PostAsync(app, "/v1/execute", new
        {
            shardKey = team,
            sql = "update activity_logs set team_id = @e where team_id = @t and action = @a",
            @params = new Dictionary<string, object> { ["t"] = team, ["e"] = elsewhere, ["a"] = action },
        });

        Api.AssertProblem(answer, HttpStatusCode.Conflict, "wrong-shard");
        Assert.Equal(team, await Db.ScalarAsync<string>(Primary("s1"), "select team_id from activity_logs where action = @a", ("a", action)));
    }

    [Fact(Timeout = 60_000)]
    public async Task An_update_that_keeps_the_key_on_its_shard_is_accepted()
    {
        await using var server = await StartGuardedAsync();
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "guard-rekey"), sameShard = fixture.KeyOnShard("s1", "guard-rekey");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(Primary("s1"), "insert into activity_logs(team_id, user_id, action) values (@t, 1, @a)", ("t", team), ("a", action));

        await Api.OkAsync(app, "/v1/execute", new
        {
            shardKey = team,
            sql = "update activity_logs set team_id = @e, user_id = 2 where team_id = @t and action = @a",
            @params = new Dictionary<string, object> { ["t"] = team, ["e"] = sameShard, ["a"] = action },
        });

        Assert.Equal(sameShard, await Db.ScalarAsync<string>(Primary("s1"), "select team_id from activity_logs where action = @a", ("a", action)));
    }

    [Fact(Timeout = 60_000)]
    public async Task Psql_straight_to_the_wrong_shard_is_refused_by_the_shard_itself()
    {
        await using var server = await StartGuardedAsync();
        var wrong = new NpgsqlConnectionStringBuilder(Primary("s1"));
        string team = fixture.KeyOnShard("s2", "guard-psql");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];
        string url = $"postgresql://{Uri.EscapeDataString(wrong.Username!)}:{Uri.EscapeDataString(wrong.Password!)}@{wrong.Host}:{wrong.Port}/{wrong.Database}?sslmode=disable";

        var (code, _, stderr) = await PostgresTools.RunAsync("psql", [url, "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-c",
            $"insert into activity_logs(team_id, user_id, action) values ('{team}', 1, '{action}')"], TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, code);
        Assert.Contains("DTW01", stderr, StringComparison.Ordinal);
        Assert.Contains("belongs to shard s2", stderr, StringComparison.Ordinal);
        Assert.Equal(0, await CountEverywhereAsync(action));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_copy_row_for_another_shard_is_refused_and_the_copy_writes_nothing()
    {
        await using var server = await StartGuardedAsync();
        string mine = fixture.KeyOnShard("s1", "guard-copy"), other = fixture.KeyOnShard("s2", "guard-copy");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await Db.OpenAsync(Primary("s1"));

        var error = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var import = await connection.BeginTextImportAsync("copy activity_logs (team_id, user_id, action) from stdin");
            await import.WriteAsync($"{mine}\t1\t{action}\n{other}\t1\t{action}\n");
        });

        Assert.Equal(OwnershipGuard.WrongShardSqlState, error.SqlState);
        Assert.Equal(0, await CountEverywhereAsync(action));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_wire_write_sent_with_another_shard_key_is_refused_with_sqlstate_DTW01_naming_the_owner()
    {
        await using var wire = await WireServer.StartAsync(fixture, CatalogStore);
        await wire.Server.Services.GetRequiredService<OwnershipGuardSynchronizer>().FirstSync.WaitAsync(TimeSpan.FromSeconds(30));
        await using var connection = await Db.OpenAsync(wire.ConnectionString());
        string routed = fixture.KeyOnShard("s1", "guard-wire"), owner = fixture.KeyOnShard("s2", "guard-wire");
        string action = "probe-" + Guid.NewGuid().ToString("N")[..8];
        await using (var set = new NpgsqlCommand($"set datatier.shard_key = '{routed}'", connection))
        {
            await set.ExecuteNonQueryAsync();
        }

        await using var insert = new NpgsqlCommand("insert into activity_logs(team_id, user_id, action) values ($1, 1, $2)", connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = owner });
        insert.Parameters.Add(new NpgsqlParameter { Value = action });
        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

        Assert.Equal(OwnershipGuard.WrongShardSqlState, error.SqlState);
        Assert.Contains("belongs to shard s2", error.MessageText, StringComparison.Ordinal);
        Assert.Equal(0, await CountEverywhereAsync(action));
    }
}
