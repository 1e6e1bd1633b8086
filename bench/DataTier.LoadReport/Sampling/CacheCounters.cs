using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Sampling;

/// <summary>DataTier's cache counters from <c>GET /admin/cache/stats</c> (admin key); two give a scenario's hit rate.</summary>
internal sealed record CacheCounters(long L1Hits, long L1Misses, long L2Hits, long Bypasses, long Fills)
{
    public static async Task<CacheCounters?> ReadAsync(HttpClient http, string baseUrl, string adminKey, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(baseUrl), "/admin/cache/stats"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        try
        {
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var json = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            long Get(string a, string? b = null) => (long?)(b is null ? json?[a] : json?[a]?[b]) ?? 0;
            return new CacheCounters(Get("l1", "hits"), Get("l1", "misses"), Get("l2", "hits"), Get("bypasses"), Get("fills"));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>Hits in either layer over lookups (every lookup starts in L1); bypassed reads are counted apart.</summary>
    public static CacheSummary? Between(CacheCounters? before, CacheCounters? after)
    {
        if (before is null || after is null)
        {
            return null;
        }

        long hits = after.L1Hits - before.L1Hits + (after.L2Hits - before.L2Hits);
        long lookups = after.L1Hits - before.L1Hits + (after.L1Misses - before.L1Misses);
        return new CacheSummary(hits, lookups - hits, after.Bypasses - before.Bypasses, after.Fills - before.Fills,
            lookups == 0 ? 0 : Math.Round(hits / (double)lookups, 4));
    }
}
