using System.Net;
using DataTier.Core.Diagnostics;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Idempotency;

/// <summary>
/// A keyed write that races a rebalancing move's write fence (SQLSTATE DTM01): the fence is set up by hand on s1 the
/// way a move sets it (a fenced <c>datatier_move.sources</c> row and the capture trigger), for every hash range.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FencedIdempotentWriteTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_keyed_write_refused_by_a_fence_rolls_its_key_back_and_applies_once_when_the_fence_lifts()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        var metrics = server.Services.GetRequiredService<DataTierMetrics>();
        string admin = fixture.Shard("s1").PrimaryAdmin;
        string team = fixture.KeyOnShard("s1", "idem-fence");
        string action = $"idem-fence-{Guid.NewGuid():N}";
        string key = Guid.NewGuid().ToString();
        long moveId = Random.Shared.NextInt64(1_000_000_000, 2_000_000_000);
        object body = new { shardKey = team, sql = "insert into activity_logs (team_id, user_id, action) values (@t, 1, @a) returning log_id", @params = new { t = team, a = action } };
        double retriesBefore = metrics.FencedWriteRetries.Value;
        KeyedAnswer answer;
        try
        {
            // One segment from the lowest hash up, moving to s2, fenced: every write of activity_logs on s1 fails with DTM01.
            await Db.ExecuteAsync(admin, "insert into datatier_move.sources (move_id, thresholds, targets, fenced, lock_key) values (@m, array[-9223372036854775808]::bigint[], array[null, 's2']::text[], true, @m)", ("m", moveId));
            await Db.ExecuteAsync(admin, "select datatier_move.install_capture('activity_logs', 'team_id')");
            var pending = KeyedApi.PostAsync(client, "/v1/execute", body, key);
            await Db.WaitUntilAsync(() => Task.FromResult(metrics.FencedWriteRetries.Value >= retriesBefore + 3), TimeSpan.FromSeconds(10), "the keyed write to be refused by the fence three times");
            Assert.False(pending.IsCompleted);
            Assert.Equal(0, await ShardRows.KeysAsync(fixture, key));
            // The fence lifts (the move is abandoned): the write still being retried inside DataTier now applies.
            await Db.ExecuteAsync(admin, "select datatier_move.remove_capture('activity_logs')");
            await Db.ExecuteAsync(admin, "delete from datatier_move.sources where move_id = @m", ("m", moveId));
            answer = await pending;
        }
        finally
        {
            await Db.ExecuteAsync(admin, "select datatier_move.remove_capture('activity_logs')");
            await Db.ExecuteAsync(admin, "delete from datatier_move.sources where move_id = @m", ("m", moveId));
            await Db.ExecuteAsync(admin, "delete from datatier_move.changes where move_id = @m", ("m", moveId));
        }

        Assert.True(answer.Status == HttpStatusCode.OK, $"{(int)answer.Status}: {answer.Body?.ToJsonString()}");
        // Had a refused attempt left its key row behind, the retry would have found the key taken with no answer.
        Assert.False(answer.Replayed);
        var row = Assert.Single(await ShardRows.ActivityAsync(fixture, action));
        Assert.Equal(row.LogId, (string?)answer.Body!["rows"]![0]!["log_id"]);
        Assert.Equal(1, await ShardRows.KeysAsync(fixture, key));
        Assert.True((await KeyedApi.OkAsync(client, "/v1/execute", body, key)).Replayed);
    }
}
