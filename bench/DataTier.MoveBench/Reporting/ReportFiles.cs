using System.Text.Json;

namespace DataTier.MoveBench.Reporting;

/// <summary>Writes a run as <c>move-rate-&lt;stamp&gt;.json</c> (everything measured) and <c>.md</c> (the table).</summary>
internal static class ReportFiles
{
    public static (string Json, string Markdown) Write(MoveRateReport report, string outDir)
    {
        Directory.CreateDirectory(outDir);
        string name = "move-rate-" + report.Stamp;
        string json = Path.Combine(outDir, name + ".json");
        File.WriteAllText(json, JsonSerializer.Serialize(report, Json.Options) + "\n");
        string markdown = Path.Combine(outDir, name + ".md");
        File.WriteAllText(markdown, MarkdownTable.Render(report));
        return (json, markdown);
    }
}
