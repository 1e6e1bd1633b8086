using System.Globalization;
using System.Text.RegularExpressions;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>Reads series from a server's /metrics text, exactly as Prometheus would scrape them (labels included).</summary>
internal static class ScrapedMetrics
{
    /// <summary>The value of <paramref name="series"/> (name and labels as exposed); fails when the server does not export it.</summary>
    public static async Task<double> ValueAsync(HttpClient anonymous, string series) =>
        Find(await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative)), series)
            ?? throw new Xunit.Sdk.XunitException($"/metrics has no series {series}");

    /// <summary>Waits until <paramref name="series"/> reads <paramref name="expected"/> (set by a background step); fails past 10 s.</summary>
    public static async Task WaitForAsync(HttpClient anonymous, string series, double expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string text;
        do
        {
            text = await anonymous.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            if (Find(text, series) == expected)
            {
                return;
            }

            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);

        throw new Xunit.Sdk.XunitException($"{series} did not reach {expected} within 10 s; last: {Find(text, series)?.ToString(CultureInfo.InvariantCulture) ?? "absent"}");
    }

    private static double? Find(string text, string series)
    {
        var match = Regex.Match(text, "^" + Regex.Escape(series) + " (\\S+)$", RegexOptions.Multiline);
        return match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }
}
