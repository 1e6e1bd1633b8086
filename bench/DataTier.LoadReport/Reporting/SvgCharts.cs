using System.Globalization;
using System.Security;
using System.Text;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Reporting;

/// <summary>
/// Plain SVG charts (no scripts, no external fonts): latency by percentile in the HdrHistogram style (x stretched
/// towards the tail, log latency axis), and the run's timeline of DataTier CPU, machine CPU and RSS.
/// </summary>
internal static class SvgCharts
{
    public sealed record Series(string Name, IReadOnlyList<double[]> Points);

    private const int Width = 760;
    private const int Height = 380;
    private const int Left = 64;
    private const int Right = 24;
    private const int Top = 40;
    private const int Bottom = 52;
    private const double MaxX = 5; // 99.999 %

    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf"];

    /// <summary>Latency (ms, log scale) against percentile, one line per series.</summary>
    public static string Percentiles(string title, IReadOnlyList<Series> series)
    {
        var points = series.SelectMany(s => s.Points).Where(p => p[0] < 100 && p[1] > 0).ToList();
        double lo = points.Count == 0 ? 0.1 : Math.Pow(10, Math.Floor(Math.Log10(Math.Max(0.001, points.Min(p => p[1])))));
        double hi = points.Count == 0 ? 10 : Math.Pow(10, Math.Ceiling(Math.Log10(Math.Max(lo * 10, points.Max(p => p[1])))));
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double percentile) => Left + Math.Log10(100 / (100 - Math.Min(percentile, 99.999))) / MaxX * plotW;
        double Y(double ms) => Top + plotH - (Math.Log10(Math.Max(ms, lo)) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * plotH;

        var svg = Begin(title);
        for (double decade = lo; decade <= hi * 1.0001; decade *= 10)
        {
            double y = Y(decade);
            Line(svg, Left, y, Width - Right, y, "#ddd");
            Text(svg, Left - 6, y + 4, FormatMs(decade), "end");
        }

        foreach (var (p, label) in new[] { (0.0, "0%"), (90.0, "90%"), (99.0, "99%"), (99.9, "99.9%"), (99.99, "99.99%"), (99.999, "99.999%") })
        {
            double x = X(p);
            Line(svg, x, Top, x, Top + plotH, "#ddd");
            Text(svg, x, Top + plotH + 16, label, "middle");
        }

        Text(svg, Left + plotW / 2, Height - 10, "percentile", "middle");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{Top + plotH / 2:0.#}\" transform=\"rotate(-90 14 {Top + plotH / 2:0.#})\" text-anchor=\"middle\">latency (ms, log)</text>\n");
        for (int i = 0; i < series.Count; i++)
        {
            string color = Colors[i % Colors.Length];
            var line = series[i].Points.Where(p => p[0] < 100).Select(p => string.Create(CultureInfo.InvariantCulture, $"{X(p[0]):0.#},{Y(p[1]):0.#}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{string.Join(' ', line)}\"/>\n");
            double ly = Top + 8 + i * 16;
            Line(svg, Left + 10, ly, Left + 30, ly, color, 3);
            Text(svg, Left + 36, ly + 4, series[i].Name, "start");
        }

        return End(svg);
    }

    /// <summary>DataTier's CPU and the machine's (cores, left axis) and DataTier's RSS (MB, right axis) over the run.</summary>
    public static string Timeline(BenchReport report)
    {
        var points = report.Timeline;
        double plotW = Width - Left - 64, plotH = Height - Top - Bottom;
        double maxT = points.Count == 0 ? 1 : Math.Max(1, points.Max(p => p.Seconds));
        double maxCores = Math.Max(1, report.Machine.Cores);
        double maxRss = Math.Max(600, points.Count == 0 ? 0 : Math.Ceiling(points.Max(p => Math.Max(p.DataTierRssMb, p.CacheOffRssMb)) / 100) * 100);
        double X(double t) => Left + t / maxT * plotW;
        double YCores(double c) => Top + plotH - Math.Min(c, maxCores) / maxCores * plotH;
        double YRss(double mb) => Top + plotH - mb / maxRss * plotH;

        var svg = Begin($"Run timeline ({report.Stamp})");
        // Scenario bands, alternately shaded, named along their left edge.
        var scenarios = report.Scenarios.OrderBy(s => s.OffsetSeconds).ToList();
        for (int i = 0; i < scenarios.Count; i++)
        {
            double x0 = X(scenarios[i].OffsetSeconds), x1 = X(scenarios[i].OffsetSeconds + scenarios[i].DurationSeconds);
            if (i % 2 == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x0:0.#}\" y=\"{Top}\" width=\"{Math.Max(1, x1 - x0):0.#}\" height=\"{plotH:0.#}\" fill=\"#f3f3f3\"/>\n");
            }

            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{x0 + 9:0.#}\" y=\"{Top + 4}\" transform=\"rotate(90 {x0 + 9:0.#} {Top + 4})\" font-size=\"9\" fill=\"#888\">{Escape(scenarios[i].Name)}</text>\n");
        }

        for (int c = 0; c <= maxCores; c++)
        {
            Line(svg, Left, YCores(c), Left + plotW, YCores(c), "#ddd");
            Text(svg, Left - 6, YCores(c) + 4, c.ToString(CultureInfo.InvariantCulture), "end");
        }

        for (double mb = 0; mb <= maxRss; mb += 100)
        {
            Text(svg, Left + plotW + 6, YRss(mb) + 4, mb.ToString("0", CultureInfo.InvariantCulture), "start");
        }

        Line(svg, Left, YRss(500), Left + plotW, YRss(500), "#ff7f0e", 1, "4 3");
        Text(svg, Left + plotW / 2, Height - 10, "seconds since the run started", "middle");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"14\" y=\"{Top + plotH / 2:0.#}\" transform=\"rotate(-90 14 {Top + plotH / 2:0.#})\" text-anchor=\"middle\">CPU (cores)</text>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width - 8}\" y=\"{Top + plotH / 2:0.#}\" transform=\"rotate(90 {Width - 8} {Top + plotH / 2:0.#})\" text-anchor=\"middle\">RSS (MB)</text>\n");
        Polyline(svg, points.Select(p => (X(p.Seconds), YCores(p.MachineCores))), "#999");
        Polyline(svg, points.Select(p => (X(p.Seconds), YCores(p.DataTierCores))), Colors[0]);
        Polyline(svg, points.Select(p => (X(p.Seconds), YRss(p.DataTierRssMb))), Colors[3]);
        Polyline(svg, points.Where(p => p.CacheOffRssMb > 0).Select(p => (X(p.Seconds), YRss(p.CacheOffRssMb))), Colors[4]);
        string[] legend = ["machine CPU", "DataTier CPU (cache on)", "DataTier RSS (cache on)", "DataTier RSS (cache off)", "500 MB"];
        string[] colors = ["#999", Colors[0], Colors[3], Colors[4], "#ff7f0e"];
        double lx = Left;
        for (int i = 0; i < legend.Length; i++)
        {
            Line(svg, lx, Height - 30, lx + 18, Height - 30, colors[i], 3, i == 4 ? "4 3" : null);
            Text(svg, lx + 22, Height - 26, legend[i], "start", 10);
            lx += 36 + legend[i].Length * 5.6;
        }

        return End(svg);
    }

    private static StringBuilder Begin(string title)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>\n").ToString();

    private static void Line(StringBuilder svg, double x1, double y1, double x2, double y2, string color, double width = 1, string? dash = null) =>
        svg.Append(CultureInfo.InvariantCulture,
            $"<line x1=\"{x1:0.#}\" y1=\"{y1:0.#}\" x2=\"{x2:0.#}\" y2=\"{y2:0.#}\" stroke=\"{color}\" stroke-width=\"{width}\"{(dash is null ? "" : $" stroke-dasharray=\"{dash}\"")}/>\n");

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, int size = 12) =>
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:0.#}\" y=\"{y:0.#}\" text-anchor=\"{anchor}\" font-size=\"{size}\">{Escape(text)}</text>\n");

    private static void Polyline(StringBuilder svg, IEnumerable<(double X, double Y)> points, string color)
    {
        var list = points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:0.#},{p.Y:0.#}")).ToList();
        if (list.Count > 1)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" points=\"{string.Join(' ', list)}\"/>\n");
        }
    }

    private static string FormatMs(double ms) => ms >= 1 ? ms.ToString("0", CultureInfo.InvariantCulture) : ms.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
