using System.Globalization;
using System.Text.RegularExpressions;
using DataTier.LoadReport.Cluster;
using DataTier.LoadReport.Latency;
using DataTier.LoadReport.Model;
using DataTier.LoadReport.Preparation;
using DataTier.LoadReport.Scenarios;

namespace DataTier.LoadReport.Running;

/// <summary>
/// Runs pgbench with the prepared scripts against a PostgreSQL endpoint (the primary, Pgpool-II or PgBouncer in front
/// of it, or DataTier's wire front end) in the scenario's <c>-M</c> mode, and reads latencies from its
/// per-transaction log (<c>-l</c>), so its percentiles are computed like wrk's. With <see cref="ScenarioDefinition.Windows"/>
/// above 1 the log is also cut into that many back-to-back windows by completion time (one pgbench process, not
/// several as wrk's windows: pgbench's connection set-up stays out of the measurement).
/// </summary>
internal sealed partial class PgbenchRunner(PreparedData data, string logDir)
{
    public async Task<LoadOutcome> RunAsync(ScenarioDefinition scenario, PgEndpoint endpoint, CancellationToken ct)
    {
        string mode = scenario.PgbenchMode ?? throw new InvalidOperationException($"{scenario.Name} names no pgbench mode.");
        var scripts = scenario.Script switch
        {
            "hot-read" => data.HotRead,
            "point-read" => data.PointRead,
            "aggregate" => data.Aggregate,
            "write" => data.Write,
            _ => throw new InvalidOperationException($"No pgbench scripts named '{scenario.Script}'."),
        };
        Directory.CreateDirectory(logDir);
        string prefix = Path.Combine(logDir, scenario.Name);
        var args = new List<string>
        {
            "-h", endpoint.Host, "-p", endpoint.Port.ToString(CultureInfo.InvariantCulture), "-U", endpoint.Username,
            "-n", "-M", mode,
            "-c", scenario.Connections.ToString(CultureInfo.InvariantCulture),
            "-j", Math.Min(scenario.Threads, scenario.Connections).ToString(CultureInfo.InvariantCulture),
            "-T", scenario.DurationSeconds.ToString(CultureInfo.InvariantCulture),
            "-l", "--log-prefix", prefix,
        };
        foreach (var script in scripts)
        {
            args.Add("-f");
            args.Add(script.Argument);
        }

        args.Add(endpoint.Database);
        // Plain text everywhere, as PostgreSQL direct, PgBouncer and Pgpool-II are set up: the dev cluster gives the wire
        // a certificate, and libpq's default sslmode=prefer would make only DataTier's scenarios pay for TLS.
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["PGPASSWORD"] = endpoint.Password, ["PGCONNECT_TIMEOUT"] = "10", ["PGSSLMODE"] = "disable" };
        var result = await ToolProcess.RunAsync("pgbench", args, env, TimeSpan.FromSeconds(scenario.DurationSeconds + 60), ct).ConfigureAwait(false);

        var log = ReadLog(prefix);
        var samples = log.Select(t => t.LatencyUs).ToList();
        long processed = Match(ProcessedRegex(), result.Stdout);
        long failed = Match(FailedRegex(), result.Stdout);
        int aborted = AbortedRegex().Matches(result.Stderr).Count;
        double tps = TpsRegex().Match(result.Stdout) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        if (processed == 0 && result.ExitCode != 0)
        {
            throw new InvalidOperationException($"pgbench failed for {scenario.Name} (exit {result.ExitCode}):\n{Tail(result.Stderr)}{Tail(result.Stdout)}");
        }

        var notes = new List<string>();
        if (aborted > 0 || failed > 0 || result.TimedOut)
        {
            notes.Add($"pgbench: {failed} failed transactions, {aborted} aborted clients{(result.TimedOut ? ", killed after its deadline" : "")}: " +
                Tail(result.Stderr).Split('\n').FirstOrDefault(l => l.Length > 0));
        }

        // pgbench reads its clock lazily, once per pass over a client: when the answer is already waiting by the time it
        // looks (a busy machine), the transaction's start and end share one reading and it logs 0 µs.
        long zeros = samples.Count(us => us == 0);
        if (samples.Count > 0 && zeros * 100 >= samples.Count)
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"pgbench logged 0 µs for {zeros * 100.0 / samples.Count:0.#}% of transactions (its lazily read clock): its low percentiles understate, compare throughput"));
        }

        // The same correction wrk applies to its own latencies, so that the percentiles of both tools compare.
        long expectedUs = CoordinatedOmission.ExpectedIntervalUs(scenario.DurationSeconds, samples.Count, scenario.Connections);
        CoordinatedOmission.Correct(samples, expectedUs);
        double mean = samples.Count == 0 ? 0 : samples.Average();
        var errors = new ErrorCounts(0, 0, 0, failed + aborted + (result.TimedOut ? 1 : 0));
        return new LoadOutcome(processed, scenario.DurationSeconds, tps, errors, PercentileTable.FromSamples(samples), mean, notes)
        {
            Windows = Windows(log, scenario.Windows, expectedUs),
        };
    }

    // Equal slices of the time from the first transaction's start to the last one's end, each transaction in the slice
    // it completed in; a slice's p99 gets the same coordinated-omission correction as the whole run.
    private static List<WindowSample> Windows(List<(double LatencyUs, long EndUs)> log, int count, long expectedUs)
    {
        if (count <= 1 || log.Count == 0)
        {
            return [];
        }

        double first = log.Min(t => t.EndUs - t.LatencyUs);
        double width = (log.Max(t => t.EndUs) - first) / count;
        if (width <= 0)
        {
            return [];
        }

        var slices = Enumerable.Range(0, count).Select(_ => new List<double>()).ToList();
        foreach (var (latency, end) in log)
        {
            slices[Math.Clamp((int)((end - first) / width), 0, count - 1)].Add(latency);
        }

        return slices.Select(slice =>
        {
            int completed = slice.Count;
            CoordinatedOmission.Correct(slice, expectedUs);
            return new WindowSample(Math.Round(completed / (width / 1e6), 1), Math.Round(PercentileTable.FromSamples(slice).ValueAt(99) / 1000, 3));
        }).ToList();
    }

    // "client_id transaction_no time script_no time_epoch time_us": the third field is the latency in µs
    // ("failed"/"skipped" for transactions that did not complete), the last two the completion time. One file per
    // pgbench thread.
    private static List<(double LatencyUs, long EndUs)> ReadLog(string prefix)
    {
        var log = new List<(double, long)>(1 << 20);
        string dir = Path.GetDirectoryName(prefix)!;
        string name = Path.GetFileName(prefix) + ".";
        foreach (string file in Directory.EnumerateFiles(dir, name + "*"))
        {
            foreach (string line in File.ReadLines(file))
            {
                var fields = line.Split(' ');
                if (fields.Length >= 6
                    && double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double us)
                    && long.TryParse(fields[4], NumberStyles.None, CultureInfo.InvariantCulture, out long epoch)
                    && long.TryParse(fields[5], NumberStyles.None, CultureInfo.InvariantCulture, out long micros))
                {
                    log.Add((us, (epoch * 1_000_000) + micros));
                }
            }

            File.Delete(file);
        }

        return log;
    }

    private static long Match(Regex regex, string text) =>
        regex.Match(text) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];

    [GeneratedRegex(@"number of transactions actually processed: (\d+)")]
    private static partial Regex ProcessedRegex();

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedRegex();

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsRegex();

    [GeneratedRegex(@"client \d+ aborted")]
    private static partial Regex AbortedRegex();
}
