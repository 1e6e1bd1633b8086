using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>Polls a move until it ends or reaches a phase.</summary>
internal static class MoveWaiter
{
    /// <summary>The move's document once its state is no longer running; fails past <paramref name="timeout"/>.</summary>
    public static Task<JsonNode> WaitAsync(HttpClient admin, long id, TimeSpan timeout) =>
        WaitForAsync(admin, id, m => (string?)m["state"] != "running", timeout, "to end");

    /// <summary>The move's document once <paramref name="reached"/> holds.</summary>
    public static async Task<JsonNode> WaitForAsync(HttpClient admin, long id, Func<JsonNode, bool> reached, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonNode? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var (_, body) = await Api.GetAsync(admin, $"/admin/rebalance/{id}");
            last = body;
            if (body is not null && reached(body))
            {
                return body;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Move {id} did not get {what} within {timeout.TotalSeconds:0} s; last: {last?.ToJsonString()}");
    }

    /// <summary>
    /// After a failed test: waits out a running move, then drains <paramref name="shard"/> and moves its rows back, so the
    /// shared cluster's demo rows are on s1 and s2 again before the extra shard's database is dropped. Best effort.
    /// </summary>
    public static async Task RestoreAsync(HttpClient admin, string shard)
    {
        try
        {
            var moves = (await Api.GetAsync(admin, "/admin/rebalance")).Body?["moves"]?.AsArray() ?? [];
            foreach (var running in moves.Where(m => (string?)m!["state"] == "running"))
            {
                await WaitAsync(admin, (long)running!["id"]!, TimeSpan.FromMinutes(2));
            }

            await Api.PostAsync(admin, $"/admin/shards/{shard}/drain", new { });
            var (status, started) = await Api.PostAsync(admin, "/admin/rebalance", new { });
            if (status == System.Net.HttpStatusCode.Accepted)
            {
                await WaitAsync(admin, (long)started!["id"]!, TimeSpan.FromMinutes(2));
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or InvalidOperationException)
        {
            // The test has failed already; this only limits the damage to the tests after it.
        }
    }
}
