using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>
/// Writes and reads through DataTier while a move runs, keeping its own log of what the table must hold afterwards.
/// Each worker owns the rows it inserts (users with ids in its own block), so every row's history is one worker's
/// sequence of inserts, updates and deletes and its final state is known without ordering across workers. Strong
/// reads of a worker's own rows must return what it last wrote.
/// </summary>
internal sealed class MoveLoad(HttpClient client, IReadOnlyList<string> teams, long firstUserId)
{
    /// <summary>The first user id this load uses; rows below it are not the load's.</summary>
    public long FirstUserId => firstUserId;

    private readonly ConcurrentDictionary<(string Team, long User), string> _live = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly ConcurrentQueue<string> _staleReads = new();
    private long _writes;
    private long _reads;
    private double _longestWriteMs;
    private readonly object _gate = new();

    /// <summary>Rows the load's log says exist now: (team, user) -> email.</summary>
    public IReadOnlyDictionary<(string Team, long User), string> Live => _live;

    /// <summary>Requests that did not succeed, with their status and problem type.</summary>
    public IReadOnlyCollection<string> Failures => _failures;

    /// <summary>Strong reads that did not return the worker's last write.</summary>
    public IReadOnlyCollection<string> StaleReads => _staleReads;

    /// <summary>Writes and reads that succeeded.</summary>
    public (long Writes, long Reads) Counts => (Interlocked.Read(ref _writes), Interlocked.Read(ref _reads));

    /// <summary>The slowest successful write (ms): what a write fence cost the load.</summary>
    public double LongestWriteMs
    {
        get
        {
            lock (_gate)
            {
                return _longestWriteMs;
            }
        }
    }

    /// <summary>Runs until <paramref name="stop"/> fires (bounded by <paramref name="bound"/>).</summary>
    public async Task RunAsync(int workers, TimeSpan bound, CancellationToken stop)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stop);
        limit.CancelAfter(bound);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkerAsync(w, limit.Token))));
    }

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        var random = new Random(worker * 7919);
        var own = new List<(string Team, long User)>();
        long seq = 0;
        while (!stop.IsCancellationRequested)
        {
            double dice = random.NextDouble();
            if (own.Count == 0 || dice < 0.35)
            {
                var row = (teams[random.Next(teams.Count)], firstUserId + (worker * 1_000_000L) + seq++);
                string email = $"w{worker}-{seq}";
                if (await WriteAsync("insert into users (team_id, user_id, email) values (@t, @u, @e)", row, email, expectRows: 1))
                {
                    own.Add(row);
                    _live[row] = email;
                }
            }
            else if (dice < 0.6)
            {
                var row = own[random.Next(own.Count)];
                string email = $"w{worker}-{seq++}-u";
                if (await WriteAsync("update users set email = @e where team_id = @t and user_id = @u", row, email, expectRows: 1))
                {
                    _live[row] = email;
                }
            }
            else if (dice < 0.75)
            {
                int index = random.Next(own.Count);
                var row = own[index];
                if (await WriteAsync("delete from users where team_id = @t and user_id = @u", row, null, expectRows: 1))
                {
                    own.RemoveAt(index);
                    _live.TryRemove(row, out _);
                }
            }
            else
            {
                var row = own[random.Next(own.Count)];
                var body = new { shardKey = row.Team, sql = "select email from users where team_id = @t and user_id = @u", @params = new { t = row.Team, u = row.User }, consistency = "strong", cache = "bypass" };
                var answer = await SendAsync("/v1/query", body);
                if (answer is not null)
                {
                    Interlocked.Increment(ref _reads);
                    var rows = answer["rows"]!.AsArray();
                    string? seen = rows.Count == 0 ? null : (string?)rows[0]!["email"];
                    if (seen != _live[row])
                    {
                        _staleReads.Enqueue($"{row}: read {seen ?? "(none)"}, last wrote {_live[row]} (shard {answer["shard"]})");
                    }
                }
            }
        }
    }

    private async Task<bool> WriteAsync(string sql, (string Team, long User) row, string? email, int expectRows)
    {
        object body = email is null
            ? new { shardKey = row.Team, sql, @params = new { t = row.Team, u = row.User } }
            : new { shardKey = row.Team, sql, @params = new { t = row.Team, u = row.User, e = email } };
        long started = Stopwatch.GetTimestamp();
        var answer = await SendAsync("/v1/execute", body);
        if (answer is null)
        {
            return false;
        }

        double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        lock (_gate)
        {
            _longestWriteMs = Math.Max(_longestWriteMs, ms);
        }

        Interlocked.Increment(ref _writes);
        if ((int)answer["rowsAffected"]! != expectRows)
        {
            _failures.Enqueue($"{sql} on {row} affected {answer["rowsAffected"]} rows, expected {expectRows}");
        }

        return true;
    }

    private async Task<JsonNode?> SendAsync(string path, object body)
    {
        try
        {
            using var response = await client.PostAsJsonAsync(path, body, CancellationToken.None);
            string text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            if (!response.IsSuccessStatusCode)
            {
                _failures.Enqueue($"{path} -> {(int)response.StatusCode}: {text}");
                return null;
            }

            return JsonNode.Parse(text);
        }
        catch (HttpRequestException ex)
        {
            _failures.Enqueue($"{path} -> {ex.Message}");
            return null;
        }
    }
}
