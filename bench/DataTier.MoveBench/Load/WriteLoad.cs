using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace DataTier.MoveBench.Load;

/// <summary>
/// A steady write load through DataTier (<c>POST /v1/execute</c>) while moves run: a few writers, each paced to a
/// fixed rate, inserting users and updating the ones it inserted. Paced rather than flat out, so the moves compete
/// with a known load and the latencies show what a fence or a busy shard costs a write, not a queue of our own.
/// Every row it writes has <c>user_id &gt;= 900,000,000</c> (the demo's users stay below 1,001,000) and
/// <see cref="DeleteRowsAsync"/> removes them.
/// </summary>
internal sealed class WriteLoad(HttpClient app, IReadOnlyList<string> teams, int writers, int writesPerSecondPerWriter)
{
    /// <summary>The first user id the load writes; the demo data's are far below.</summary>
    public const long FirstUserId = 900_000_000;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _teamsWritten = new(StringComparer.Ordinal);
    private List<double> _latencies = [];
    private List<string> _firstFailures = [];
    private long _failures;
    private long _windowStarted;

    /// <summary>Runs the writers until <paramref name="stop"/> fires.</summary>
    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriterAsync(w, stop), CancellationToken.None)));

    /// <summary>Starts a new measurement window: only writes sent from now on count (warm-up and earlier writes are dropped).</summary>
    public void BeginWindow()
    {
        lock (_gate)
        {
            _latencies = [];
            _firstFailures = [];
            _failures = 0;
            _windowStarted = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>The window since <see cref="BeginWindow"/>.</summary>
    public WriteLoadWindow EndWindow()
    {
        lock (_gate)
        {
            double seconds = Stopwatch.GetElapsedTime(_windowStarted).TotalSeconds;
            var sorted = _latencies.Order().ToList();
            return new WriteLoadWindow(writers, writers * writesPerSecondPerWriter, seconds, sorted.Count, sorted.Count / seconds,
                _failures, [.. _firstFailures], Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Count == 0 ? 0 : sorted[^1]);
        }
    }

    /// <summary>Deletes the load's rows through DataTier, one statement per team written; returns the rows deleted.</summary>
    public async Task<long> DeleteRowsAsync(CancellationToken ct)
    {
        List<string> written;
        lock (_gate)
        {
            written = [.. _teamsWritten];
        }

        long deleted = 0;
        foreach (string team in written)
        {
            var body = new { shardKey = team, sql = "delete from users where team_id = @t and user_id >= @first", @params = new { t = team, first = FirstUserId } };
            using var response = await app.PostAsJsonAsync("/v1/execute", body, ct);
            string text = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchFailedException($"Deleting the write load's rows of {team} answered {(int)response.StatusCode}: {text}");
            }

            deleted += (long)JsonNode.Parse(text)!["rowsAffected"]!;
        }

        return deleted;
    }

    private async Task WriterAsync(int writer, CancellationToken stop)
    {
        var random = new Random(7919 * (writer + 1));
        var own = new List<(string Team, long User)>();
        long nextUser = FirstUserId + (writer * 10_000_000L);
        long interval = Stopwatch.Frequency / writesPerSecondPerWriter;
        long due = Stopwatch.GetTimestamp();
        while (!stop.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (due > now)
            {
                try
                {
                    await Task.Delay(Stopwatch.GetElapsedTime(now, due), stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            else if (now - due > interval)
            {
                // Behind by more than a write (a fence held us): carry on at the rate from here, without a burst
                // that would make up for the lost writes and load the shards harder right after the pause.
                due = now;
            }

            due += interval;
            if (own.Count == 0 || random.Next(2) == 0)
            {
                var row = (Team: teams[random.Next(teams.Count)], User: nextUser++);
                lock (_gate)
                {
                    // Before the write: a timed-out insert may still have committed, and its row must be deleted too.
                    _teamsWritten.Add(row.Team);
                }

                if (await WriteAsync("insert into users (team_id, user_id, email) values (@t, @u, @e)", row, $"load-{row.User}@bench.example.com"))
                {
                    own.Add(row);
                }
            }
            else
            {
                var row = own[random.Next(own.Count)];
                await WriteAsync("update users set email = @e where team_id = @t and user_id = @u", row, $"load-{row.User}-{due}@bench.example.com");
            }
        }
    }

    private async Task<bool> WriteAsync(string sql, (string Team, long User) row, string email)
    {
        var body = new { shardKey = row.Team, sql, @params = new { t = row.Team, u = row.User, e = email } };
        long started = Stopwatch.GetTimestamp();
        string? failure;
        try
        {
            // Not cancelled by the stop: a write in flight finishes, so the load's rows are what it recorded.
            using var response = await app.PostAsJsonAsync("/v1/execute", body, CancellationToken.None);
            failure = response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(CancellationToken.None)}";
        }
        catch (HttpRequestException e)
        {
            failure = e.Message;
        }
        catch (TaskCanceledException)
        {
            failure = "timed out (60 s)";
        }

        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (_gate)
        {
            if (started < _windowStarted)
            {
                // Sent before the window: what held it (a compaction between moves) is not the move's doing.
            }
            else if (failure is null)
            {
                _latencies.Add(ms);
            }
            else
            {
                _failures++;
                if (_firstFailures.Count < 5)
                {
                    _firstFailures.Add(failure);
                }
            }
        }

        return failure is null;
    }

    private static double Percentile(List<double> sorted, double q) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
