namespace DataTier.LoadReport.Comparison;

/// <summary>One scenario of two reports: throughput and p99 before and after, and whether it regressed.</summary>
internal sealed record ScenarioVerdict(
    string Name,
    bool Gated,
    double? BaseRps,
    double? NewRps,
    double? BaseP99Ms,
    double? NewP99Ms,
    IReadOnlyList<string> Problems)
{
    public bool Regressed => Gated && Problems.Count > 0;

    public static double? Change(double? before, double? after) =>
        before is > 0 && after is not null ? (after.Value - before.Value) / before.Value : null;
}
