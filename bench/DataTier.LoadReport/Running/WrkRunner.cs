using System.Diagnostics;
using System.Globalization;
using DataTier.LoadReport.Latency;
using DataTier.LoadReport.Model;
using DataTier.LoadReport.Scenarios;

namespace DataTier.LoadReport.Running;

/// <summary>Runs the bench/load Lua scripts with wrk against a DataTier server.</summary>
internal sealed class WrkRunner(string loadDir, string dataDir, string apiKey, bool trackStatus)
{
    /// <summary>A request slower than this counts as a timeout (wrk's --timeout), not a latency.</summary>
    public const int TimeoutSeconds = 10;

    public async Task<LoadOutcome> RunAsync(ScenarioDefinition scenario, string baseUrl, CancellationToken ct)
    {
        if (scenario.Tool == LoadTool.WrkSpike)
        {
            return await SpikeAsync(scenario, baseUrl, ct).ConfigureAwait(false);
        }

        // In windows back to back: each window's throughput and p99 is one sample for bench/compare's test.
        var clock = Stopwatch.StartNew();
        int windows = Math.Max(1, scenario.Windows);
        var summaries = new List<WrkSummary>(windows);
        for (int i = 0; i < windows; i++)
        {
            int seconds = Math.Max(1, (int)Math.Round(scenario.DurationSeconds / (double)windows));
            summaries.Add(await RunOneAsync(scenario, scenario.Threads, scenario.Connections, seconds, seed: i + 1, baseUrl, ct).ConfigureAwait(false));
        }

        return Combine(summaries, clock.Elapsed.TotalSeconds, spike: false) with
        {
            Windows = windows == 1 ? [] : summaries.Select(s => new WindowSample(
                Math.Round(s.Requests / (s.DurationUs / 1e6), 1), Math.Round(s.Table.ValueAt(99) / 1000, 3))).ToList(),
        };
    }

    // Connections arrive in waves: wave i starts i gaps after the first and runs until the last one's end, so the
    // connection count climbs to the peak over (waves - 1) gaps and is then held for the scenario's duration.
    private async Task<LoadOutcome> SpikeAsync(ScenarioDefinition scenario, string baseUrl, CancellationToken ct)
    {
        int waves = scenario.SpikeWaves;
        int perWave = scenario.Connections / waves;
        var clock = Stopwatch.StartNew();
        var runs = Enumerable.Range(0, waves).Select(async i =>
        {
            await Task.Delay(TimeSpan.FromSeconds(i * scenario.SpikeGapSeconds), ct).ConfigureAwait(false);
            int duration = scenario.DurationSeconds + (int)Math.Round((waves - 1 - i) * scenario.SpikeGapSeconds);
            return await RunOneAsync(scenario, 1, perWave, Math.Max(1, duration), seed: i + 1, baseUrl, ct).ConfigureAwait(false);
        }).ToList();
        var summaries = await Task.WhenAll(runs).ConfigureAwait(false);
        return Combine(summaries, clock.Elapsed.TotalSeconds, spike: true);
    }

    private async Task<WrkSummary> RunOneAsync(ScenarioDefinition scenario, int threads, int connections, int duration, int seed, string baseUrl, CancellationToken ct)
    {
        string[] args =
        [
            "-t", threads.ToString(CultureInfo.InvariantCulture),
            "-c", connections.ToString(CultureInfo.InvariantCulture),
            "-d", duration.ToString(CultureInfo.InvariantCulture) + "s",
            "--timeout", TimeoutSeconds.ToString(CultureInfo.InvariantCulture) + "s",
            "-s", Path.Combine(loadDir, scenario.Script),
            baseUrl,
        ];
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DT_API_KEY"] = apiKey,
            ["DT_DATA_DIR"] = dataDir,
            ["DT_SEED"] = seed.ToString(CultureInfo.InvariantCulture),
            ["DT_TRACK_STATUS"] = trackStatus ? "1" : "0",
        };
        if (scenario.Cache is not null)
        {
            env["DT_CACHE"] = scenario.Cache;
        }

        if (scenario.Teams is not null)
        {
            env["DT_TEAMS"] = scenario.Teams;
        }

        var result = await ToolProcess.RunAsync("wrk", args, env, TimeSpan.FromSeconds(duration + 60), ct).ConfigureAwait(false);
        var summary = result.TimedOut ? null : WrkSummary.Find(result.Stdout);
        return summary ?? throw new InvalidOperationException(
            $"wrk printed no summary for {scenario.Name} (exit {result.ExitCode}{(result.TimedOut ? ", killed after its deadline" : "")}); " +
            $"a Lua error makes wrk fall back to plain GETs, so the run is discarded.\n{Tail(result.Stderr)}{Tail(result.Stdout)}");
    }

    private static LoadOutcome Combine(IReadOnlyList<WrkSummary> summaries, double wallSeconds, bool spike)
    {
        long requests = summaries.Sum(s => s.Requests);
        var errors = summaries.Aggregate(ErrorCounts.None, (sum, s) =>
            sum.Add(new ErrorCounts(s.Errors.Connect + s.Errors.Read + s.Errors.Write, s.Errors.Timeout, s.Errors.Status, 0)));
        var table = summaries.Count == 1
            ? summaries[0].Table
            : PercentileTable.Merge(summaries.Select(s => (s.Table, s.Requests)).ToList());
        double mean = requests == 0 ? 0 : summaries.Sum(s => s.LatencyUs.Mean * s.Requests) / requests;
        // Processes one after another: their measured durations. Waves: the wall time from the first start to the last end.
        double seconds = spike ? wallSeconds : summaries.Sum(s => s.DurationUs) / 1e6;
        var notes = new List<string>();
        var statuses = summaries.Where(s => s.Statuses is not null).SelectMany(s => s.Statuses!)
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value), StringComparer.Ordinal);
        if (statuses.Keys.Any(k => k is not "200"))
        {
            notes.Add("statuses: " + string.Join(", ", statuses.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} x{kv.Value}")));
        }

        if (summaries.Select(s => s.FirstError).FirstOrDefault(e => e is not null) is { } first)
        {
            notes.Add("first error: " + first);
        }

        if (errors.Socket > 0 || errors.Timeout > 0)
        {
            notes.Add($"socket errors {errors.Socket}, timeouts (> {TimeoutSeconds} s) {errors.Timeout}");
        }

        return new LoadOutcome(requests, seconds, seconds > 0 ? requests / seconds : 0, errors, table, mean, notes);
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
