namespace DataTier.LoadReport.Model;

/// <summary>
/// A DataTier scenario against a baseline on the same statement and keys: throughput ratio (above 1: DataTier
/// serves more) and p99 ratio (below 1: DataTier's tail is shorter).
/// </summary>
internal sealed record ComparisonRow(
    string Group,
    string DataTierScenario,
    string BaselineScenario,
    SystemUnderTest Baseline,
    double ThroughputRatio,
    double P99Ratio);
