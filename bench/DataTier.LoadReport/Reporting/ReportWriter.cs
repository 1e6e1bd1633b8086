using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Reporting;

/// <summary>
/// Writes a report as <c>&lt;stamp&gt;.json</c>, <c>&lt;stamp&gt;.md</c> and <c>&lt;stamp&gt;/*.svg</c> (one latency chart
/// per scenario, one per group with its scenarios side by side, and the run's timeline).
/// </summary>
internal static class ReportWriter
{
    public static (string Json, string Markdown) Write(BenchReport report, string outDir, string? name = null)
    {
        name ??= report.Stamp;
        Directory.CreateDirectory(outDir);
        string charts = Path.Combine(outDir, name);
        Directory.CreateDirectory(charts);
        foreach (var scenario in report.Scenarios)
        {
            File.WriteAllText(Path.Combine(charts, scenario.Name + ".svg"),
                SvgCharts.Percentiles(scenario.Title, [new SvgCharts.Series(scenario.Name, scenario.Percentiles)]));
        }

        foreach (var group in report.Scenarios.GroupBy(s => s.Group))
        {
            File.WriteAllText(Path.Combine(charts, $"group-{group.Key}.svg"),
                SvgCharts.Percentiles($"{group.Key}: latency by percentile", group.Select(s => new SvgCharts.Series(s.Name, s.Percentiles)).ToList()));
        }

        File.WriteAllText(Path.Combine(charts, "timeline.svg"), SvgCharts.Timeline(report));
        string json = Path.Combine(outDir, name + ".json");
        report.Save(json);
        string markdown = Path.Combine(outDir, name + ".md");
        File.WriteAllText(markdown, MarkdownReport.Render(report, name));
        return (json, markdown);
    }
}
