namespace DataTier.LoadReport.Model;

/// <summary>One of the back-to-back windows a scenario is measured in: its throughput and p99.</summary>
internal sealed record WindowSample(double RequestsPerSecond, double P99Ms);
