using DataTier.LoadReport.Latency;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Running;

/// <summary>What a load tool measured: requests (or transactions), errors and the latency distribution.</summary>
internal sealed record LoadOutcome(
    long Requests,
    double DurationSeconds,
    double RequestsPerSecond,
    ErrorCounts Errors,
    PercentileTable Latency,
    double MeanLatencyUs,
    IReadOnlyList<string> Notes)
{
    /// <summary>The back-to-back windows the load ran in (one when it ran in one piece).</summary>
    public IReadOnlyList<WindowSample> Windows { get; init; } = [];
}
