using DataTier.Core.Advice;
using DataTier.Core.Advice.Validation;

namespace DataTier.Core.Tests.Advice;

public sealed class AdviceReportMarkdownTests
{
    private static AdviceReport Report(CanaryMeasurement? measured, IReadOnlyList<IndexRecommendation>? rejected = null)
    {
        var index = new CandidateIndex("public", "orders", ["ref"]);
        var recommendation = new IndexRecommendation("public.orders", index.Name, index.Columns, index.CreateSql, index.DropSql, 8192, 100, 0, ["s1", "s2"],
            [new StatementEvidence("s1", "select * from orders where ref = ?", "select * from orders where ref = $1", 60, 600, 60, 4000, 8)], measured,
            WriteCost: "public.orders: 1.5 rows/s written over the last 2 h");
        return new AdviceReport(7, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, [recommendation], [], [], [], ["a note"], [], rejected);
    }

    [Fact]
    public void Each_statement_row_has_calls_estimated_costs_and_measured_latencies_before_and_after()
    {
        var measured = new CanaryMeasurement("s1", true, "measured speed-up 5x", 5, 2, 4096, 12.5, false,
            [new StatementMeasurement("select * from orders where ref = ?", 5, 10, 2, null)]);

        string md = AdviceReportMarkdown.Render(Report(measured, []));

        Assert.Contains("| s1 | `select * from orders where ref = $1` | 60 | 4000 | 8 | 10 | 2 | 5x |", md, StringComparison.Ordinal);
        Assert.Contains("- Writes: public.orders: 1.5 rows/s written over the last 2 h", md, StringComparison.Ordinal);
        Assert.Contains("4 KiB measured on s1 (built in 12.5 ms)", md, StringComparison.Ordinal);
        Assert.Contains("Validated:", md, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unvalidated_run_leaves_the_measured_columns_empty_and_says_how_to_measure()
    {
        string md = AdviceReportMarkdown.Render(Report(null));

        Assert.Contains("| s1 | `select * from orders where ref = $1` | 60 | 4000 | 8 |  |  |  |", md, StringComparison.Ordinal);
        Assert.Contains("datatier advise --validate", md, StringComparison.Ordinal);
        Assert.Contains("- a note", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scripts_come_with_the_report_file()
    {
        string dir = Path.Combine(Path.GetTempPath(), "dt-advice-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = AdviceScriptWriter.Write(Report(null), dir);

            string report = Assert.Single(files, f => f.EndsWith("_advice_run_7_report.md", StringComparison.Ordinal));
            Assert.StartsWith("# Index advice, run 7", File.ReadAllText(report), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
