namespace DataTier.MoveBench.Load;

/// <summary>What the write load saw while one move ran: its writes, their latencies (ms) and its failures.</summary>
internal sealed record WriteLoadWindow(
    int Writers,
    int TargetWritesPerSecond,
    double Seconds,
    long Writes,
    double WritesPerSecond,
    long Failures,
    IReadOnlyList<string> FirstFailures,
    double P50WriteMs,
    double P99WriteMs,
    double LongestWriteMs);
