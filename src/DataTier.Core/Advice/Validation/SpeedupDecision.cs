using System.Globalization;

namespace DataTier.Core.Advice.Validation;

/// <summary>
/// Keep or drop a recommendation from its canary measurements. The speed-up is the workload's: the evidence
/// statements' median latencies weighted by their calls, before over after, so a rarely-run statement cannot carry
/// (or sink) the index alone. Advice none of whose statements could be measured is kept, marked unmeasured: having
/// no parameter values is no evidence against an index, and the result says so rather than inventing values.
/// </summary>
public static class SpeedupDecision
{
    /// <summary>The decision: kept, the measured speed-up (null: nothing measured) and the reason.</summary>
    public static (bool Kept, double? SpeedUp, string Reason) Decide(IReadOnlyList<(StatementMeasurement Measurement, long Calls)> statements, double minSpeedUp)
    {
        var measured = statements.Where(s => s.Measurement.SpeedUp is not null).ToList();
        if (measured.Count == 0)
        {
            return (true, null, "not measured: " + (statements.Select(s => s.Measurement.Note).FirstOrDefault(n => n is not null) ?? "no evidence statement on the canary shard"));
        }

        double before = measured.Sum(s => Math.Max(1, s.Calls) * s.Measurement.BeforeMedianMs!.Value);
        double after = measured.Sum(s => Math.Max(1, s.Calls) * s.Measurement.AfterMedianMs!.Value);
        double speedUp = Math.Round(before / Math.Max(after, 0.001), 2);
        string figures = string.Create(CultureInfo.InvariantCulture, $"measured speed-up {speedUp}x (calls-weighted median latency {before / measured.Sum(s => Math.Max(1, s.Calls)):0.###} ms -> {after / measured.Sum(s => Math.Max(1, s.Calls)):0.###} ms)");
        return speedUp >= minSpeedUp
            ? (true, speedUp, $"{figures}, at least DataTier:Advisor:MinMeasuredSpeedup ({minSpeedUp.ToString(CultureInfo.InvariantCulture)}x)")
            : (false, speedUp, $"{figures}, below DataTier:Advisor:MinMeasuredSpeedup ({minSpeedUp.ToString(CultureInfo.InvariantCulture)}x)");
    }

    /// <summary>The median of <paramref name="values"/> (not empty).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
