using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace DataTier.IntegrationTests.Switchover;

/// <summary>
/// Writers only, each insert remembered with its key and user id, so that every acknowledged write can be looked
/// for row by row afterwards (the shared <c>LoadRunner</c> records statuses, not rows).
/// </summary>
internal sealed class WriteLoad(HttpClient client, IReadOnlyList<(string Shard, string Key)> keys, long firstUser)
{
    private readonly ConcurrentQueue<Write> _writes = new();
    private long _nextUser = firstUser;

    public IReadOnlyCollection<Write> Writes => _writes;

    public Task RunAsync(int workers, CancellationToken stop) => Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
    {
        var random = new Random(w);
        while (!stop.IsCancellationRequested)
        {
            var (shard, key) = keys[random.Next(keys.Count)];
            long user = Interlocked.Increment(ref _nextUser);
            var started = DateTime.UtcNow;
            long timer = Stopwatch.GetTimestamp();
            HttpStatusCode status;
            string? type = null;
            try
            {
                using var response = await client.PostAsJsonAsync("/v1/execute",
                    new { shardKey = key, sql = "insert into users (team_id, user_id, email) values (@t, @u, 'switchover')", @params = new { t = key, u = user } }, CancellationToken.None);
                status = response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    type = (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())?["type"]?.ToString();
                }
            }
            catch (HttpRequestException)
            {
                status = 0;
            }

            _writes.Enqueue(new Write(shard, key, user, status, type, started, Stopwatch.GetElapsedTime(timer).TotalMilliseconds));
        }
    })));

    internal sealed record Write(string Shard, string Key, long User, HttpStatusCode Status, string? ProblemType, DateTime StartedAt, double ElapsedMs);
}
