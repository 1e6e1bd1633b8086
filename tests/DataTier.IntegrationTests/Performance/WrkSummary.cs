using System.Text.Json;

namespace DataTier.IntegrationTests.Performance;

/// <summary>
/// The line bench/load/lib/datatier.lua's done() prints (<c>DATATIER_WRK {json}</c>): request count, wrk's error
/// counters and, with DT_TRACK_STATUS=1, the count of each HTTP status and the first failed answer.
/// </summary>
internal sealed record WrkSummary(long Requests, WrkErrors Errors, Dictionary<string, long> Statuses, string? FirstError)
{
    private const string Marker = "DATATIER_WRK ";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static WrkSummary? Find(string stdout) =>
        stdout.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal)) is { } line
            ? JsonSerializer.Deserialize<WrkSummary>(line[Marker.Length..], Options)
            : null;

    public long NonSuccess => Statuses.Where(kv => !kv.Key.StartsWith('2')).Sum(kv => kv.Value);
}

/// <summary>wrk's error counters: socket errors, timeouts, and answers with a status above 399.</summary>
internal sealed record WrkErrors(long Connect, long Read, long Write, long Status, long Timeout)
{
    public long Socket => Connect + Read + Write;
}
