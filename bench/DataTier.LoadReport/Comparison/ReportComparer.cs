using System.Globalization;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Comparison;

/// <summary>
/// Compares a new report with a baseline. This machine's speed drifts between runs by more than the 10 % a
/// regression check must see (the same build measured 35k and 45k pgbench req/s in two runs), so DataTier's figures
/// are judged against the machine as measured in the same run: the machine factor is the geometric mean, over the
/// pgbench-straight-to-PostgreSQL scenarios present in both reports, of new/old throughput. A DataTier scenario
/// regresses when its throughput divided by that factor drops, or its p99 multiplied by it rises (with a fixed
/// number of connections a closed loop's latency scales with 1/throughput), by more than the threshold; when it now
/// has errors it did not have; or when it is missing. With the per-window samples of full runs (4 windows per
/// scenario) the medians are compared and a change counts only when an exact one-sided Mann-Whitney test also finds
/// it unlikely to be noise (p &lt; 0.05), as BenchmarkDotNet's threshold tests do; raw changes are printed beside.
/// pgbench and pgpool scenarios are shown for reference (they measure the machine, not this build) but never fail.
/// </summary>
internal static class ReportComparer
{
    /// <summary>Windows each report needs for the test; with fewer, single figures are compared.</summary>
    public const int MinWindows = 3;

    /// <summary>How unlikely under "no change" a flagged change must be.</summary>
    public const double Significance = 0.05;

    public static (IReadOnlyList<ScenarioVerdict> Verdicts, double MachineFactor) Compare(BenchReport baseline, BenchReport candidate, double thresholdPercent)
    {
        double limit = thresholdPercent / 100;
        double factor = MachineFactor(baseline, candidate);
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

            if (before.Windows.Count >= MinWindows && after.Windows.Count >= MinWindows)
            {
                // Medians of the windows, and the change must also be unlikely to be noise (one-sided exact test).
                var oldRps = before.Windows.Select(w => w.RequestsPerSecond).ToList();
                var newRps = after.Windows.Select(w => w.RequestsPerSecond / factor).ToList();
                double rps = Median(newRps) / Median(oldRps) - 1;
                double pRps = MannWhitney.PGreater(oldRps, newRps);
                if (rps < -limit && pRps < Significance)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"median throughput {rps:+0.0%;-0.0%} for the machine (p = {pRps:0.000})"));
                }

                var oldP99 = before.Windows.Select(w => w.P99Ms).ToList();
                var newP99 = after.Windows.Select(w => w.P99Ms * factor).ToList();
                double p99 = Median(newP99) / Median(oldP99) - 1;
                double pP99 = MannWhitney.PGreater(newP99, oldP99);
                if (p99 > limit && pP99 < Significance)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"median p99 {p99:+0.0%;-0.0%} for the machine (p = {pP99:0.000})"));
                }
            }
            else
            {
                if (ScenarioVerdict.Change(before.RequestsPerSecond, after.RequestsPerSecond / factor) is { } rps && rps < -limit)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"throughput {rps:+0.0%;-0.0%} for the machine"));
                }

                if (ScenarioVerdict.Change(before.Latency.P99Ms, after.Latency.P99Ms * factor) is { } p99 && p99 > limit)
                {
                    problems.Add(string.Create(CultureInfo.InvariantCulture, $"p99 {p99:+0.0%;-0.0%} for the machine"));
                }
            }

            if (after.Errors.Total > 0 && before.Errors.Total == 0)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{after.Errors.Total} errors (none before)"));
            }

            verdicts.Add(new ScenarioVerdict(before.Name, before.Gated, before.RequestsPerSecond, after.RequestsPerSecond,
                before.Latency.P99Ms, after.Latency.P99Ms, problems));
        }

        return (verdicts, factor);
    }

    /// <summary>Geometric mean of new/old throughput over the pgbench-direct scenarios both reports have (1 when none).</summary>
    public static double MachineFactor(BenchReport baseline, BenchReport candidate)
    {
        var ratios = baseline.Scenarios
            .Where(s => s.System == SystemUnderTest.PostgresDirect && s.RequestsPerSecond > 0)
            .Select(s => (Before: s.RequestsPerSecond, After: candidate.Find(s.Name)?.RequestsPerSecond))
            .Where(r => r.After is > 0)
            .Select(r => Math.Log(r.After!.Value / r.Before))
            .ToList();
        return ratios.Count == 0 ? 1 : Math.Exp(ratios.Average());
    }

    public static void Print(TextWriter output, BenchReport baseline, BenchReport candidate, IReadOnlyList<ScenarioVerdict> verdicts, double factor, double thresholdPercent)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"baseline {baseline.Stamp} ({baseline.Settings.Commit}) vs new {candidate.Stamp} ({candidate.Settings.Commit}); threshold {thresholdPercent:0.#}%"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"machine factor {factor:0.000} (pgbench straight to PostgreSQL, new/old); DataTier's changes below are judged after dividing it out"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"scenario",-28} {"req/s before -> after (raw, for machine)",-44} {"p99 ms before -> after (raw, for machine)",-44} verdict"));
        foreach (var v in verdicts)
        {
            string rps = string.Create(CultureInfo.InvariantCulture,
                $"{v.BaseRps:N0} -> {(v.NewRps is null ? "-" : v.NewRps.Value.ToString("N0", CultureInfo.InvariantCulture))} ({Percent(ScenarioVerdict.Change(v.BaseRps, v.NewRps))}, {Percent(ScenarioVerdict.Change(v.BaseRps, v.NewRps / factor))})");
            string p99 = string.Create(CultureInfo.InvariantCulture,
                $"{v.BaseP99Ms:0.00} -> {(v.NewP99Ms is null ? "-" : v.NewP99Ms.Value.ToString("0.00", CultureInfo.InvariantCulture))} ({Percent(ScenarioVerdict.Change(v.BaseP99Ms, v.NewP99Ms))}, {Percent(ScenarioVerdict.Change(v.BaseP99Ms, v.NewP99Ms * factor))})");
            string verdict = !v.Gated ? "reference"
                : v.Problems.Count > 0 ? "REGRESSION: " + string.Join(", ", v.Problems) : "ok";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.Name,-28} {rps,-44} {p99,-44} {verdict}"));
        }

        int regressions = verdicts.Count(v => v.Regressed);
        output.WriteLine(regressions == 0
            ? "no regression"
            : string.Create(CultureInfo.InvariantCulture, $"{regressions} scenario(s) regressed by more than {thresholdPercent:0.#}%"));
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        int n = values.Count;
        return n % 2 == 1 ? values[n / 2] : (values[(n / 2) - 1] + values[n / 2]) / 2;
    }

    private static string Percent(double? change) =>
        change is null ? "n/a" : change.Value.ToString("+0.0%;-0.0%;0.0%", CultureInfo.InvariantCulture);
}
