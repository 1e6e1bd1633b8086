using DataTier.Core.Errors;
using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Tests.Sql.Tree;

namespace DataTier.Core.Tests.Sql.CrossShard;

/// <summary>The merge of the shards' answers by a plan, over in-memory shard rows.</summary>
public sealed class CrossShardMergeTests
{
    private static CrossShardPlan Plan(string sql) => CrossShardPlanner.Plan(sql, new ShardedTableLookup(PgSql.ShardedTables));

    private sealed class Rows(params object?[][] rows) : IShardRowStream
    {
        private int _next;

        public int Read => _next;

        public ValueTask<object?[]?> ReadAsync(CancellationToken cancellationToken) =>
            new(_next < rows.Length ? (object?[])rows[_next++].Clone() : null);
    }

    private static async Task<List<object?[]>> MergeAsync(string sql, params Rows[] shards)
    {
        var plan = Plan(sql);
        int columns = plan.TargetCount + plan.HiddenCount;
        var merge = new CrossShardMerge(plan, shards, columns);
        var answer = new List<object?[]>();
        while (await merge.ReadAsync(CancellationToken.None) is { } row)
        {
            answer.Add(row);
        }

        return answer;
    }

    [Fact]
    public async Task Ordered_read_is_k_way_merged_with_nulls_last_and_offset_applied_after_the_merge()
    {
        // Shard rows: (title, hidden priority), each shard sorted by priority ASC NULLS LAST and cut at LIMIT 2+1.
        var a = new Rows(["a1", 1L], ["a4", 4L], ["a-null", null]);
        var b = new Rows(["b2", 2L], ["b3", 3L], ["b5", 5L]);

        var rows = await MergeAsync("select title from tasks order by priority limit 2 offset 1", a, b);

        Assert.Equal(["b2", "b3"], rows.Select(r => (string)r[0]!));
        Assert.All(rows, r => Assert.Single(r));
    }

    [Fact]
    public async Task Merge_stops_pulling_rows_after_the_limit()
    {
        var a = new Rows(["a", 1L], ["c", 3L], ["e", 5L], ["g", 7L]);
        var b = new Rows(["b", 2L], ["d", 4L], ["f", 6L], ["h", 8L]);

        var rows = await MergeAsync("select title from tasks order by priority limit 3", a, b);

        Assert.Equal(["a", "b", "c"], rows.Select(r => (string)r[0]!));
        Assert.True(a.Read + b.Read <= 5, $"read {a.Read + b.Read} rows for 3");
    }

    [Fact]
    public async Task Descending_text_order_is_by_code_point_with_nulls_first()
    {
        var a = new Rows(["Z"], ["B"]);
        var b = new Rows([null], ["a"], ["A"]);

        var rows = await MergeAsync("select title from tasks order by title desc", a, b);

        Assert.Equal([null, "a", "Z", "B", "A"], rows.Select(r => (string?)r[0]));
    }

    [Fact]
    public async Task Counts_and_int_sums_add_and_avg_divides_with_numerics_scale()
    {
        // count(*), sum(priority) of int4 (int8 per shard), sum(priority) AS avg, hidden count(priority).
        var a = new Rows([2L, 1L, 1L, 1L]);
        var b = new Rows([1L, 1L, 1L, 1L]);
        var c = new Rows([0L, null, null, 0L]);

        var row = Assert.Single(await MergeAsync("select count(*), sum(priority), avg(priority) from tasks", a, b, c));

        Assert.Equal(3L, row[0]);
        Assert.Equal(2L, row[1]);
        Assert.Equal("1.00000000000000000000", row[2]!.ToString());
    }

    [Theory]
    [InlineData("3", 2, "1.5000000000000000")]
    [InlineData("10", 3, "3.3333333333333333")]
    [InlineData("2", 3, "0.66666666666666666667")]
    [InlineData("-2", 3, "-0.66666666666666666667")]
    [InlineData("12345.678", 7, "1763.6682857142857143")]
    [InlineData("0", 5, "0.00000000000000000000")]
    [InlineData("100000000", 3, "33333333.333333333333")]
    public void Division_has_postgresqls_result_scale_and_rounding(string sum, long count, string expected)
    {
        Assert.Equal(expected, PgNumeric.Divide(PgNumeric.Parse(sum), PgNumeric.FromInt64(count)).ToString());
    }

    [Fact]
    public void Numeric_keeps_its_scale_through_decimal_and_addition()
    {
        var total = PgNumeric.FromDecimal(1.50m) + PgNumeric.Parse("2.125");

        Assert.Equal("3.625", total.ToString());
        Assert.Equal(3.625m, total.ToDecimal());
        Assert.Equal("1.50", PgNumeric.FromDecimal(1.50m).ToString());
        Assert.Equal(PgNumeric.Parse("1.5").GetHashCode(), PgNumeric.Parse("1.500").GetHashCode());
    }

    [Fact]
    public async Task Groups_spanning_shards_combine_and_having_is_evaluated_after_the_merge()
    {
        // status, count(*), min(priority), max(priority); HAVING count(*) > 2 is only true once the shards' counts are added.
        var a = new Rows(["open", 2L, 1L, 5L], ["done", 1L, 3L, 3L]);
        var b = new Rows(["open", 1L, 0L, 2L], ["late", 3L, 7L, 9L]);

        var rows = await MergeAsync(
            "select status, count(*), min(priority), max(priority) from tasks group by status having count(*) > 2 order by 1", a, b);

        Assert.Equal(2, rows.Count);
        Assert.Equal(["late", 3L, 7L, 9L], rows[0]);
        Assert.Equal(["open", 3L, 0L, 5L], rows[1]);
    }

    [Fact]
    public async Task Empty_shards_give_count_zero_and_null_sum_min_and_bool()
    {
        var a = new Rows([0L, null, null, null]);
        var b = new Rows([0L, null, null, null]);

        var row = Assert.Single(await MergeAsync("select count(*), sum(priority), min(title), bool_and(priority > 1) from tasks", a, b));

        Assert.Equal([0L, null, null, null], row);
    }

    [Fact]
    public async Task Bool_aggregates_combine_with_nulls_ignored()
    {
        var a = new Rows([true, false]);
        var b = new Rows([null, true]);

        var row = Assert.Single(await MergeAsync("select bool_and(x), bool_or(x) from tasks", a, b));

        Assert.Equal([true, true], row);
    }

    [Fact]
    public async Task Distinct_drops_rows_another_shard_already_answered()
    {
        var a = new Rows(["done"], ["open"]);
        var b = new Rows(["late"], ["open"]);

        var rows = await MergeAsync("select distinct status from tasks order by status", a, b);

        Assert.Equal(["done", "late", "open"], rows.Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task Numeric_groups_equal_in_value_but_not_scale_are_one_group()
    {
        var a = new Rows([1.5m, 1L]);
        var b = new Rows([1.50m, 2L]);

        var row = Assert.Single(await MergeAsync("select amount, count(*) from tasks group by amount", a, b));

        Assert.Equal(3L, row[1]);
    }

    [Fact]
    public async Task Sum_of_floats_is_refused_when_the_shards_answer_floats()
    {
        var a = new Rows([1.5d]);
        var b = new Rows([2.5d]);

        var error = await Assert.ThrowsAsync<DataTierException>(() => MergeAsync("select sum(x) from tasks", a, b));

        Assert.Equal(CrossShardRefusal.Code, error.Code);
        Assert.Contains("sum() of a floating-point column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ordering_by_an_unsupported_type_is_refused()
    {
        var a = new Rows([TimeSpan.FromDays(1)]);
        var b = new Rows([TimeSpan.FromDays(2)]);

        var error = await Assert.ThrowsAsync<DataTierException>(() => MergeAsync("select x from tasks order by x", a, b));

        Assert.Contains("comparing values of type interval", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_compares_by_code_point_as_the_C_collation_does()
    {
        // U+FF21 (fullwidth A) is below U+1F600 (an emoji, a surrogate pair in UTF-16) by code point, above it in UTF-16.
        Assert.True(CrossShardValues.Compare("\uFF21", "\U0001F600") < 0);
        Assert.True(CrossShardValues.Compare("B", "a") < 0);
        Assert.True(CrossShardValues.Compare("ab", "abc") < 0);
    }

    [Fact]
    public void Floats_order_nan_above_infinity_and_negative_zero_as_zero()
    {
        Assert.True(CrossShardValues.Compare(double.NaN, double.PositiveInfinity) > 0);
        Assert.Equal(0, CrossShardValues.Compare(-0.0d, 0.0d));
        Assert.Equal(0, CrossShardValues.Compare(double.NaN, double.NaN));
    }
}
