namespace DataTier.LoadReport.Model;

/// <summary>
/// The .NET runtime of the serving DataTier process during a scenario, from the System.Runtime instruments its
/// <c>/metrics</c> exports (what dotnet-counters would show): allocation rate, share of wall time in GC pauses, GC
/// counts, lock contentions, thread-pool throughput, threads and the work-item queue at mid-scenario.
/// </summary>
internal sealed record RuntimeSummary(
    double AllocatedMbPerSecond,
    double GcPausePercent,
    long Gen0,
    long Gen1,
    long Gen2,
    double LockContentionsPerSecond,
    double WorkItemsPerSecond,
    long ThreadPoolThreads,
    long ThreadPoolQueueLengthMid);
