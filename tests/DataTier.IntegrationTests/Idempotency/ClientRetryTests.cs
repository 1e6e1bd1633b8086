using System.Data;
using System.Text.Json.Serialization;
using DataTier.Client;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Idempotency;

/// <summary>The .NET client's automatic keys and retries against the real server, with the answer lost in transit.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientRetryTests(ClusterFixture fixture)
{
    private sealed record LogRow([property: JsonPropertyName("log_id")] Guid LogId);

    /// <summary>Lets the request reach the server, then throws away its first answers as a dropped connection would.</summary>
    private sealed class LoseAnswersHandler(int lose) : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<string?> Keys { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Keys.Add(request.Headers.TryGetValues("Idempotency-Key", out var values) ? values.Single() : null);
            var response = await base.SendAsync(request, cancellationToken);
            if (lose-- > 0)
            {
                response.Dispose();
                throw new HttpRequestException("The connection was reset before the answer was read (test).");
            }

            return response;
        }
    }

    private static DataTierClient Client(DataTierServer server, HttpMessageHandler handler, string key) =>
        new(new HttpClient(handler) { BaseAddress = server.BaseAddress }, new DataTierClientOptions { ApiKey = key, RetryBaseDelay = TimeSpan.FromMilliseconds(10) });

    [Fact]
    public async Task A_write_whose_answer_was_lost_is_retried_with_its_key_and_applied_once()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var handler = new LoseAnswersHandler(lose: 2);
        var client = Client(server, handler, fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s1", "idem-client");
        string action = $"idem-client-{Guid.NewGuid():N}";

        var written = await client.ExecuteAsync<LogRow>(team, "insert into activity_logs (team_id, user_id, action) values (@t, 1, @a) returning log_id", new { t = team, a = action });

        Assert.Equal(3, handler.Keys.Count);
        Assert.False(string.IsNullOrEmpty(handler.Keys[0]));
        Assert.All(handler.Keys, k => Assert.Equal(handler.Keys[0], k));
        var row = Assert.Single(await ShardRows.ActivityAsync(fixture, action));
        Assert.Equal(row.LogId, written.Rows[0].LogId.ToString());
        Assert.Equal(written.Token, client.SessionToken);
        var read = await client.QueryAsync<LogRow>(team, "select log_id from activity_logs where action = @a", new { a = action }, Consistency.Session);
        Assert.Equal(written.Rows[0].LogId, Assert.Single(read.Rows).LogId);
    }

    [Fact]
    public async Task A_transaction_whose_answer_was_lost_is_retried_and_applied_once_and_the_next_call_has_a_new_key()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var handler = new LoseAnswersHandler(lose: 1);
        var client = Client(server, handler, fixture.Manifest.Keys.App);
        string team = fixture.KeyOnShard("s2", "idem-client-tx");
        string action = $"idem-client-tx-{Guid.NewGuid():N}";
        Statement[] statements =
        [
            new("insert into activity_logs (team_id, user_id, action) values (@t, 1, @a)", new { t = team, a = action }),
            new("insert into activity_logs (team_id, user_id, action) values (@t, 2, @a)", new { t = team, a = action }),
        ];

        var result = await client.TransactionAsync(team, statements, IsolationLevel.Serializable);
        await client.ExecuteAsync(team, "delete from activity_logs where action = @a and user_id = 2", new { a = action });

        Assert.Equal([1L, 1L], result.RowsAffected);
        Assert.Equal(3, handler.Keys.Count);
        Assert.Equal(handler.Keys[0], handler.Keys[1]);
        Assert.NotEqual(handler.Keys[1], handler.Keys[2]);
        Assert.Single(await ShardRows.ActivityAsync(fixture, action));
    }
}
