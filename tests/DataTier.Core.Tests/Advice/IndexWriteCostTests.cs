using DataTier.Core.Advice;

namespace DataTier.Core.Tests.Advice;

public sealed class IndexWriteCostTests
{
    [Theory]
    [InlineData(8192L, 2)]
    [InlineData(2L * 1024 * 1024, 2)]
    [InlineData(2L * 1024 * 1024 + 8192, 3)]
    [InlineData(512L * 1024 * 1024, 3)]
    [InlineData(600L * 1024 * 1024, 4)]
    public void The_height_grows_a_level_for_every_256_times_the_size(long bytes, int levels) =>
        Assert.Equal(levels, IndexWriteCost.Levels(bytes));

    [Fact]
    public void The_penalty_is_rows_written_times_the_cost_per_level_times_the_levels() =>
        Assert.Equal(1000 * 2.5 * 3, IndexWriteCost.Penalty(1000, 2.5, 100L * 1024 * 1024));

    [Fact]
    public void The_description_gives_the_write_rate_and_the_size_it_was_judged_on()
    {
        string text = IndexWriteCost.Describe("public.tasks", 12.5, 7200, 3L * 1024 * 1024, measuredSize: true, 45000, 2.5);

        Assert.Equal("public.tasks: 12.5 rows/s written over the last 2 h; each adds an entry to this index (3 b-tree levels at 3 MiB (measured on the canary)), 7.5 cost units a row: write penalty 45000", text);
    }

    [Fact]
    public void Without_an_earlier_run_the_description_says_the_writes_are_not_measured_yet() =>
        Assert.StartsWith("writes to public.tasks not measured yet", IndexWriteCost.Describe("public.tasks", null, 0, 8192, false, 0, 2.5), StringComparison.Ordinal);

    [Fact]
    public void The_write_rate_is_the_rows_of_the_window_over_its_seconds()
    {
        var index = new CandidateIndex("public", "tasks", ["title"]);
        var r = new IndexRecommendation("public.tasks", index.Name, index.Columns, index.CreateSql, index.DropSql, 8192, 10, 1, ["s1"], [], RowsWritten: 600, WriteWindowSeconds: 120);

        Assert.Equal(5, r.WriteRowsPerSecond);
        Assert.Null((r with { RowsWritten = null }).WriteRowsPerSecond);
    }
}
