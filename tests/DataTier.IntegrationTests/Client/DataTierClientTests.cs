using System.Data;
using System.Text.Json.Serialization;
using DataTier.Client;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Client;

[Collection(ClusterCollection.Name)]
public sealed class DataTierClientTests(ClusterFixture fixture)
{
    private sealed record Team([property: JsonPropertyName("team_id")] string TeamId, string Name);

    private sealed record Log([property: JsonPropertyName("log_id")] Guid LogId, [property: JsonPropertyName("created_at")] DateTime CreatedAt);

    private static DataTierClient Client(DataTierServer server, string key, TimeSpan? timeout = null) =>
        new(new HttpClient { BaseAddress = server.BaseAddress }, new DataTierClientOptions { ApiKey = key, DefaultTimeout = timeout });

    [Fact]
    public async Task A_write_returns_a_token_the_client_keeps_and_a_session_read_sees_the_write()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var client = Client(server, fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "client");
        var inserted = await client.ExecuteAsync(team, "insert into teams (team_id, name) values (@id, @name)", new { id = team, name = "Client" });
        Assert.Equal(1, inserted.RowsAffected);
        Assert.Equal("s1", inserted.Shard);
        var written = await client.ExecuteAsync<Team>(team, "update teams set name = @name where team_id = @id returning team_id, name", new { id = team, name = "Renamed" });
        Assert.Equal(1, written.RowsAffected);
        Assert.Equal("Renamed", written.Rows[0].Name);
        Assert.Equal(written.Token, client.SessionToken);

        var read = await client.QueryAsync<Team>(team, "select team_id, name from teams where team_id = @id", new { id = team }, Consistency.Session);
        Assert.Equal("Renamed", Assert.Single(read.Rows).Name);
        Assert.Equal(team, read.Rows[0].TeamId);
    }

    [Fact]
    public async Task A_failed_transaction_raises_a_conflict_and_leaves_nothing()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var client = Client(server, fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s2", "client-tx");
        var error = await Assert.ThrowsAsync<DataTierConflictException>(() => client.TransactionAsync(team,
        [
            new Statement("insert into teams (team_id, name) values (@id, 'a')", new { id = team }),
            new Statement("insert into teams (team_id, name) values (@id, 'b')", new { id = team }),
        ], IsolationLevel.Serializable));
        Assert.Equal("23505", error.SqlState);
        Assert.Equal("conflict", error.Code);
        var read = await client.QueryAsync<Team>(team, "select team_id, name from teams where team_id = @id", new { id = team }, Consistency.Strong);
        Assert.Empty(read.Rows);

        var ok = await client.TransactionAsync(team, [new Statement("insert into teams (team_id, name) values (@id, 'a')", new { id = team })]);
        Assert.Equal([1L], ok.RowsAffected);
        Assert.Equal(ok.Token, client.SessionToken);
    }

    [Fact]
    public async Task Scatter_returns_merged_rows_in_order()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var client = Client(server, fixture.Manifest.Keys.Reader);
        var result = await client.ScatterAsync<Log>("select log_id, created_at from activity_logs where action = @a", new { a = "agent.run" },
            [new OrderBy("created_at", Descending: true)], limit: 20, consistency: Consistency.Strong);
        Assert.Equal(20, result.Rows.Count);
        Assert.Equal(result.Rows.OrderByDescending(r => r.CreatedAt).Select(r => r.LogId), result.Rows.Select(r => r.LogId));
        Assert.Equal(fixture.Manifest.Shards.Count, result.Shards.Count);
        Assert.Empty(result.FailedShards);
    }

    [Fact]
    public async Task Problems_become_typed_exceptions()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var app = Client(server, fixture.Manifest.Keys.App, TimeSpan.FromMilliseconds(200));
        var reader = Client(server, fixture.Manifest.Keys.Reader);
        var refused = await Assert.ThrowsAsync<DataTierBadRequestException>(() => app.QueryAsync<Team>("team-1", "select 1; drop table teams"));
        Assert.Equal("multiple-statements", refused.Code);
        var forbidden = await Assert.ThrowsAsync<DataTierAuthException>(() => reader.ExecuteAsync("team-1", "delete from teams where team_id = 'nobody'"));
        Assert.Equal(403, forbidden.Status);
        var timeout = await Assert.ThrowsAsync<DataTierTimeoutException>(() => app.QueryAsync<Team>("team-1", "select pg_sleep(3)", consistency: Consistency.Strong));
        Assert.Equal("timeout", timeout.Code);
        var sqlError = await Assert.ThrowsAsync<DataTierSqlException>(() => app.QueryAsync<Team>("team-1", "select * from missing_table"));
        Assert.Equal("42P01", sqlError.SqlState);
    }

    [Fact]
    public async Task Typed_parameters_reach_postgresql_with_their_types()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        var client = Client(server, fixture.Manifest.Keys.App);
        var id = Guid.NewGuid();
        var result = await client.QueryAsync<Dictionary<string, object>>("team-1", "select @u::text as u, pg_typeof(@u)::text as t, (@doc)->>'a' as a",
            new { u = DataTierParam.Uuid(id), doc = DataTierParam.Jsonb(new { a = "b" }) }, Consistency.Strong);
        var row = Assert.Single(result.Rows);
        Assert.Equal(id.ToString(), row["u"].ToString());
        Assert.Equal("uuid", row["t"].ToString());
        Assert.Equal("b", row["a"].ToString());
    }
}
