using DataTier.LoadReport.Latency;

namespace DataTier.LoadReport.Model;

/// <summary>The usual latency figures of a scenario, in milliseconds.</summary>
internal sealed record LatencySummary(double MeanMs, double P50Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs)
{
    public static LatencySummary From(PercentileTable table, double meanUs) => new(
        Round(meanUs / 1000),
        Round(table.ValueAt(50) / 1000),
        Round(table.ValueAt(95) / 1000),
        Round(table.ValueAt(99) / 1000),
        Round(table.ValueAt(99.9) / 1000),
        Round(table.Max / 1000));

    private static double Round(double ms) => Math.Round(ms, 3);
}
