using System.Globalization;
using DataTier.LoadReport.Cluster;
using DataTier.LoadReport.Model;
using DataTier.LoadReport.Running;

namespace DataTier.LoadReport.Sampling;

/// <summary>
/// Pgpool-II's query-cache counters (<c>SHOW pool_cache</c>, read with psql): SELECTs answered from the cache and
/// SELECTs sent to a backend. Two give a pgpool scenario's hit rate.
/// </summary>
internal sealed record PgpoolCacheCounters(long Hits, long Selects)
{
    public static async Task<PgpoolCacheCounters?> ReadAsync(PgEndpoint pgpool, CancellationToken ct)
    {
        string[] args =
        [
            "-h", pgpool.Host, "-p", pgpool.Port.ToString(CultureInfo.InvariantCulture), "-U", pgpool.Username, "-d", pgpool.Database,
            "-X", "-A", "-x", "-F", "|", "-c", "show pool_cache",
        ];
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["PGPASSWORD"] = pgpool.Password, ["PGCONNECT_TIMEOUT"] = "5" };
        var result = await ToolProcess.RunAsync("psql", args, env, TimeSpan.FromSeconds(15), ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            return null;
        }

        // Expanded output: one "name|value" line per column.
        var values = result.Stdout.Split('\n')
            .Select(l => l.Split('|'))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        return long.TryParse(values.GetValueOrDefault("num_cache_hits"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long hits) &&
               long.TryParse(values.GetValueOrDefault("num_selects"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long selects)
            ? new PgpoolCacheCounters(hits, selects)
            : null;
    }

    public static CacheSummary? Between(PgpoolCacheCounters? before, PgpoolCacheCounters? after)
    {
        if (before is null || after is null)
        {
            return null;
        }

        long hits = after.Hits - before.Hits;
        long misses = after.Selects - before.Selects;
        return new CacheSummary(hits, misses, 0, 0, hits + misses == 0 ? 0 : Math.Round(hits / (double)(hits + misses), 4));
    }
}
