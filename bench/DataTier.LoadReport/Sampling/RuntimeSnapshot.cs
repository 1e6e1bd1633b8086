using System.Globalization;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Sampling;

/// <summary>
/// The System.Runtime instruments a DataTier server exports on <c>/metrics</c> (prometheus-net's meter adapter), read
/// at one moment; two snapshots give a scenario's <see cref="RuntimeSummary"/>.
/// </summary>
internal sealed record RuntimeSnapshot(
    double Seconds,
    double AllocatedBytes,
    double GcPauseSeconds,
    long Gen0,
    long Gen1,
    long Gen2,
    double LockContentions,
    double WorkItems,
    long ThreadPoolThreads,
    long ThreadPoolQueueLength)
{
    private const string Prefix = "system_runtime_dotnet_";

    public static async Task<RuntimeSnapshot?> ReadAsync(HttpClient http, string baseUrl, double seconds, CancellationToken ct)
    {
        string text;
        try
        {
            text = await http.GetStringAsync(new Uri(new Uri(baseUrl), "/metrics"), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (!line.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                continue;
            }

            string key = line[Prefix.Length..space];
            values[key] = values.GetValueOrDefault(key) + value;
        }

        double Get(string key) => values.GetValueOrDefault(key);
        return new RuntimeSnapshot(
            seconds,
            Get("gc_heap_total_allocated"),
            Get("gc_pause_time"),
            (long)Get("gc_collections{gc_heap_generation=\"gen0\"}"),
            (long)Get("gc_collections{gc_heap_generation=\"gen1\"}"),
            (long)Get("gc_collections{gc_heap_generation=\"gen2\"}"),
            Get("monitor_lock_contentions"),
            Get("thread_pool_work_item_count"),
            (long)Get("thread_pool_thread_count"),
            (long)Get("thread_pool_queue_length"));
    }

    public static RuntimeSummary? Between(RuntimeSnapshot? before, RuntimeSnapshot? mid, RuntimeSnapshot? after)
    {
        if (before is null || after is null || after.Seconds <= before.Seconds)
        {
            return null;
        }

        double seconds = after.Seconds - before.Seconds;
        return new RuntimeSummary(
            Math.Round((after.AllocatedBytes - before.AllocatedBytes) / 1_048_576 / seconds, 1),
            Math.Round((after.GcPauseSeconds - before.GcPauseSeconds) / seconds * 100, 2),
            after.Gen0 - before.Gen0,
            after.Gen1 - before.Gen1,
            after.Gen2 - before.Gen2,
            Math.Round((after.LockContentions - before.LockContentions) / seconds, 1),
            Math.Round((after.WorkItems - before.WorkItems) / seconds, 0),
            (mid ?? after).ThreadPoolThreads,
            (mid ?? after).ThreadPoolQueueLength);
    }
}
