using System.Text.Json;
using DataTier.LoadReport.Latency;

namespace DataTier.LoadReport.Running;

/// <summary>The line bench/load/lib/datatier.lua's done() prints: <c>DATATIER_WRK {json}</c> (latencies in µs).</summary>
internal sealed record WrkSummary(
    long Requests,
    long DurationUs,
    long Bytes,
    WrkErrors Errors,
    WrkLatency LatencyUs,
    IReadOnlyList<double[]> Percentiles,
    IReadOnlyDictionary<string, long>? Statuses,
    string? FirstError)
{
    public const string Marker = "DATATIER_WRK ";

    /// <summary>The summary in wrk's output, or null when the script never reached done() (a Lua error, say).</summary>
    public static WrkSummary? Find(string stdout)
    {
        foreach (string line in stdout.Split('\n'))
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                return JsonSerializer.Deserialize<WrkSummary>(line[Marker.Length..], Json.Options);
            }
        }

        return null;
    }

    public PercentileTable Table => new(Percentiles.Select(p => (p[0], p[1])));
}

/// <summary>wrk's error counters; <see cref="Status"/> counts answers with a status above 399.</summary>
internal sealed record WrkErrors(long Connect, long Read, long Write, long Status, long Timeout);

/// <summary>wrk's latency statistics in µs.</summary>
internal sealed record WrkLatency(double Min, double Max, double Mean, double Stdev);
