using System.Globalization;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Comparison;

/// <summary>
/// Compares a new report with a baseline: a DataTier scenario regresses when its throughput drops, or its p99 rises,
/// by more than the threshold (10 % by default), when it now has errors it did not have, or when it is missing.
/// pgbench and pgpool scenarios are shown for reference (they measure the machine, not this build) but never fail.
/// </summary>
internal static class ReportComparer
{
    public static IReadOnlyList<ScenarioVerdict> Compare(BenchReport baseline, BenchReport candidate, double thresholdPercent)
    {
        double limit = thresholdPercent / 100;
        var verdicts = new List<ScenarioVerdict>();
        foreach (var before in baseline.Scenarios)
        {
            var after = candidate.Find(before.Name);
            var problems = new List<string>();
            if (after is null)
            {
                problems.Add("missing from the new report");
                verdicts.Add(new ScenarioVerdict(before.Name, before.Gated, before.RequestsPerSecond, null, before.Latency.P99Ms, null, problems));
                continue;
            }

            if (ScenarioVerdict.Change(before.RequestsPerSecond, after.RequestsPerSecond) is { } rps && rps < -limit)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"throughput {rps:+0.0%;-0.0%}"));
            }

            if (ScenarioVerdict.Change(before.Latency.P99Ms, after.Latency.P99Ms) is { } p99 && p99 > limit)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"p99 {p99:+0.0%;-0.0%}"));
            }

            if (after.Errors.Total > 0 && before.Errors.Total == 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{after.Errors.Total} errors (none before)"));
            }

            verdicts.Add(new ScenarioVerdict(before.Name, before.Gated, before.RequestsPerSecond, after.RequestsPerSecond,
                before.Latency.P99Ms, after.Latency.P99Ms, problems));
        }

        return verdicts;
    }

    public static void Print(TextWriter output, BenchReport baseline, BenchReport candidate, IReadOnlyList<ScenarioVerdict> verdicts, double thresholdPercent)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"baseline {baseline.Stamp} ({baseline.Settings.Commit}) vs new {candidate.Stamp} ({candidate.Settings.Commit}); threshold {thresholdPercent:0.#}%"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"scenario",-28} {"req/s before -> after",-30} {"p99 ms before -> after",-30} verdict"));
        foreach (var v in verdicts)
        {
            string rps = string.Create(CultureInfo.InvariantCulture, $"{v.BaseRps:N0} -> {(v.NewRps is null ? "-" : v.NewRps.Value.ToString("N0", CultureInfo.InvariantCulture))} ({Percent(ScenarioVerdict.Change(v.BaseRps, v.NewRps))})");
            string p99 = string.Create(CultureInfo.InvariantCulture, $"{v.BaseP99Ms:0.00} -> {(v.NewP99Ms is null ? "-" : v.NewP99Ms.Value.ToString("0.00", CultureInfo.InvariantCulture))} ({Percent(ScenarioVerdict.Change(v.BaseP99Ms, v.NewP99Ms))})");
            string verdict = !v.Gated ? (v.Problems.Count > 0 ? "reference (" + string.Join(", ", v.Problems) + ")" : "reference")
                : v.Problems.Count > 0 ? "REGRESSION: " + string.Join(", ", v.Problems) : "ok";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.Name,-28} {rps,-30} {p99,-30} {verdict}"));
        }

        int regressions = verdicts.Count(v => v.Regressed);
        output.WriteLine(regressions == 0
            ? "no regression"
            : string.Create(CultureInfo.InvariantCulture, $"{regressions} scenario(s) regressed by more than {thresholdPercent:0.#}%"));
    }

    private static string Percent(double? change) =>
        change is null ? "n/a" : change.Value.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture);
}
