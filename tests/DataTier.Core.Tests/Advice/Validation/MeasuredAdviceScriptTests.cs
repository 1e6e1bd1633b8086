using DataTier.Core.Advice;
using DataTier.Core.Advice.Validation;

namespace DataTier.Core.Tests.Advice.Validation;

public sealed class MeasuredAdviceScriptTests
{
    [Fact]
    public void The_migration_header_carries_the_measured_figures_next_to_the_estimated_ones()
    {
        var index = new CandidateIndex("public", "orders", ["ref"]);
        var measured = new CanaryMeasurement("s1", true, "measured speed-up 5x", 5, 2, 4096, 12.5, false,
            [new StatementMeasurement("select * from orders where ref = ?", 5, 10, 2, null)]);
        var recommendation = new IndexRecommendation("public.orders", index.Name, index.Columns, index.CreateSql, index.DropSql, 8192, 100, 0, ["s1", "s2"],
            [new StatementEvidence("s1", "select * from orders where ref = ?", "select * from orders where ref = $1", 60, 600, 60, 4000, 8)], measured);
        var report = new AdviceReport(7, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, [recommendation], [], [], [], [], []);
        string dir = Path.Combine(Path.GetTempPath(), "dt-advice-" + Guid.NewGuid().ToString("N"));
        try
        {
            string header = File.ReadAllText(AdviceScriptWriter.Write(report, dir)[0]);

            Assert.Contains("cost 4000 -> 8", header, StringComparison.Ordinal);
            Assert.Contains("--   measured on canary s1: measured speed-up 5x; built in 12.5 ms, 4 KiB (estimated ~8 KiB)", header, StringComparison.Ordinal);
            Assert.Contains("select * from orders where ref = $1: median 10 ms -> 2 ms (5x, 5 runs each)", header, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
