using System.Collections.Concurrent;
using System.Net;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Idempotency;

/// <summary>The issue's acceptance: writes sent twice with one key, half of them after a dropped first answer.</summary>
[Collection(ClusterCollection.Name)]
public sealed class IdempotentRetryLoadTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Writes = 1000;

    [Fact]
    public async Task A_thousand_writes_each_sent_twice_with_one_key_exist_once_and_answer_alike_even_when_the_first_answer_was_dropped()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var client = server.CreateClient(fixture.Manifest.Keys.App);
        string prefix = $"idem-load-{Guid.NewGuid():N}-";
        // action -> (log_id of the second answer, dropped first?, was the second a replay?)
        var seconds = new ConcurrentDictionary<string, (string LogId, bool Dropped, bool Replayed)>();
        var mismatches = new ConcurrentBag<string>();
        int readBack = 0;

        await Parallel.ForEachAsync(Enumerable.Range(0, Writes), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            string team = $"idem-load-team-{Guid.NewGuid():N}";
            string action = prefix + i;
            object body = new { shardKey = team, sql = "insert into activity_logs (team_id, user_id, action) values (@t, @u, @a) returning log_id, action", @params = new { t = team, u = i, a = action } };
            string key = Guid.NewGuid().ToString();
            bool drop = i % 2 == 1;
            KeyedAnswer? first = null;
            if (drop)
            {
                // Half of the dropped ones at once (the server may not even have begun), half after 15 ms (mostly committed).
                await KeyedApi.SendAndDropAsync(server.BaseAddress, "/v1/execute", fixture.Manifest.Keys.App, key, body, waitMs: i % 4 == 1 ? 0 : 15);
            }
            else
            {
                first = await KeyedApi.OkAsync(client, "/v1/execute", body, key);
            }

            var second = await KeyedApi.OkAsync(client, "/v1/execute", body, key);
            string logId = (string)second.Body!["rows"]![0]!["log_id"]!;
            seconds[action] = (logId, drop, second.Replayed);
            if (first is not null)
            {
                if (first.Replayed || !second.Replayed)
                {
                    mismatches.Add($"{action}: first replayed {first.Replayed}, second replayed {second.Replayed}");
                }

                foreach (string field in new[] { "rowsAffected", "rows", "shard" })
                {
                    if (first.Body![field]!.ToJsonString() != second.Body[field]!.ToJsonString())
                    {
                        mismatches.Add($"{action}: {field} {first.Body[field]!.ToJsonString()} then {second.Body[field]!.ToJsonString()}");
                    }
                }
            }

            if (i % 10 == 0)
            {
                // The second answer's token is valid: a session read with it sees the row.
                var read = await Api.PostAsync(client, "/v1/query", new { shardKey = team, sql = "select count(*)::int n from activity_logs where action = @a", @params = new { a = action }, consistency = "session", token = (string?)second.Body["token"] });
                if (read.Status != HttpStatusCode.OK || (int)read.Body!["rows"]![0]!["n"]! != 1)
                {
                    mismatches.Add($"{action}: session read with the second token answered {(int)read.Status} {read.Body?.ToJsonString()}");
                }

                Interlocked.Increment(ref readBack);
            }
        });

        var rows = await ShardRows.ActivityAsync(fixture, prefix);
        var byAction = rows.GroupBy(r => r.Action).ToDictionary(g => g.Key, g => g.ToList());
        int droppedReplayed = seconds.Values.Count(s => s.Dropped && s.Replayed);
        int droppedApplied = seconds.Values.Count(s => s.Dropped && !s.Replayed);
        output.WriteLine($"{Writes} writes x 2: {rows.Count} rows on the primaries ({rows.Count(r => r.Shard == "s1")} s1, {rows.Count(r => r.Shard == "s2")} s2); "
            + $"of {Writes / 2} dropped first copies, {droppedReplayed} had committed (second replayed) and {droppedApplied} had not (second applied); "
            + $"{readBack} session reads with a second answer's token.");

        Assert.Empty(mismatches);
        Assert.Equal(Writes, seconds.Count);
        Assert.Equal(Writes, rows.Count);
        Assert.Equal(Writes, byAction.Count);
        Assert.All(seconds, s => Assert.Equal(s.Value.LogId, Assert.Single(byAction[s.Key]).LogId));
        // The drops must have exercised the case the key exists for: a write that committed and whose answer was lost.
        Assert.True(droppedReplayed > 0, $"no dropped first copy had committed ({droppedApplied} applied by the second copy)");

        // What a key costs, one write at a time (a figure for the docs: plain writes keep their autocommit path).
        var plain = new List<double>();
        var keyed = new List<double>();
        var replayed = new List<double>();
        string team0 = fixture.KeyOnShard("s1", "idem-cost");
        for (int i = 0; i < 200; i++)
        {
            object body = new { shardKey = team0, sql = "insert into activity_logs (team_id, user_id, action) values (@t, 1, @a)", @params = new { t = team0, a = prefix + "cost" } };
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            await Api.OkAsync(client, "/v1/execute", body);
            plain.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            string key = Guid.NewGuid().ToString();
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            await KeyedApi.OkAsync(client, "/v1/execute", body, key);
            keyed.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            started = System.Diagnostics.Stopwatch.GetTimestamp();
            await KeyedApi.OkAsync(client, "/v1/execute", body, key);
            replayed.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        static double P50(List<double> values) => values.Order().ElementAt(values.Count / 2);
        output.WriteLine($"one at a time, 200 each: plain write p50 {P50(plain):0.00} ms, keyed write p50 {P50(keyed):0.00} ms, replay p50 {P50(replayed):0.00} ms");
    }
}
