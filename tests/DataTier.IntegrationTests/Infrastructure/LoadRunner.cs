using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// A bounded steady load through DataTier for fault tests: workers loop over reads and writes on several keys of
/// every shard until stopped, and every request's shard, kind, status and latency is recorded.
/// </summary>
internal sealed class LoadRunner
{
    private readonly ConcurrentQueue<Sample> _samples = new();
    private readonly HttpClient _client;
    private readonly IReadOnlyList<(string Shard, string Key)> _keys;
    private long _nextUser;

    public LoadRunner(HttpClient client, IReadOnlyList<(string Shard, string Key)> keys)
    {
        _client = client;
        _keys = keys;
    }

    public IReadOnlyCollection<Sample> Samples => _samples;

    /// <summary>Runs <paramref name="workers"/> loops until <paramref name="stop"/> is cancelled or the bound passes.</summary>
    public async Task RunAsync(int workers, double writeShare, string readConsistency, TimeSpan bound, CancellationToken stop)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(bound);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!limit.IsCancellationRequested)
            {
                var (shard, key) = _keys[random.Next(_keys.Count)];
                bool write = random.NextDouble() < writeShare;
                object body = write
                    ? new { shardKey = key, sql = "insert into users (team_id, user_id, email) values (@t, @u, 'load')", @params = new { t = key, u = Interlocked.Increment(ref _nextUser) } }
                    : new { shardKey = key, sql = "select count(*) from users where team_id = @t", @params = new { t = key }, consistency = readConsistency };
                long started = Stopwatch.GetTimestamp();
                HttpStatusCode status;
                string? type = null;
                try
                {
                    using var response = await _client.PostAsJsonAsync(write ? "/v1/execute" : "/v1/query", body, CancellationToken.None);
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

                _samples.Enqueue(new Sample(shard, write, status, type, Stopwatch.GetElapsedTime(started).TotalMilliseconds, DateTime.UtcNow));
            }
        }))).ConfigureAwait(false);
    }

    public static double Percentile(IEnumerable<Sample> samples, double p)
    {
        var sorted = samples.Select(s => s.ElapsedMs).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }

    public static string Describe(string label, IReadOnlyCollection<Sample> samples) =>
        $"{label}: {samples.Count} requests, {samples.Count(s => s.Status != HttpStatusCode.OK)} failed, p50 {Percentile(samples, 50):F1} ms, p99 {Percentile(samples, 99):F1} ms, max {(samples.Count == 0 ? 0 : samples.Max(s => s.ElapsedMs)):F1} ms";

    internal sealed record Sample(string Shard, bool Write, HttpStatusCode Status, string? ProblemType, double ElapsedMs, DateTime At);
}
