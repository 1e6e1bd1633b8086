using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>Splitting a multi-row INSERT ... VALUES by rows: spans from the parse tree and the text, keys, the rewrite.</summary>
public sealed class PgInsertValuesTests
{
    private static readonly Dictionary<string, string> Sharded = new(StringComparer.Ordinal) { ["tasks"] = "team_id" };

    private static PgStatement Single(string sql) => Assert.Single(PgSqlAnalyzer.Analyze(sql, Sharded).Statements);

    [Fact]
    public void Rows_are_read_with_their_key_values_in_order()
    {
        var values = Single("insert into tasks (title, team_id) values ('a, (b)', 'team-1'), ('c', $1), (upper('d'), 'team-2')").InsertValues;

        Assert.NotNull(values);
        Assert.Equal(
            [ShardKeyValue.Constant("team-1"), ShardKeyValue.Parameter(1), ShardKeyValue.Constant("team-2")],
            values.Rows.Select(static r => r.Key));
    }

    [Fact]
    public void Rewrite_keeps_the_chosen_rows_and_the_text_around_them()
    {
        const string Sql = "/* app */ insert into tasks (team_id, title) values ('t1', 'x;'), ('t2', $$y)$$), ('t3', 'z') on conflict do nothing";
        var values = Single(Sql).InsertValues!;

        var (sql, parameters) = values.Rewrite([2, 0]);

        Assert.Equal("/* app */ insert into tasks (team_id, title) values ('t3', 'z'), ('t1', 'x;') on conflict do nothing", sql);
        Assert.Empty(parameters);
    }

    [Fact]
    public void Rewrite_renumbers_parameters_in_order_of_appearance()
    {
        var values = Single("insert into tasks (team_id, priority) values ($1, $2), ($3, $4), ($5, $2) on conflict (team_id) do update set priority = $6").InsertValues!;

        var (sql, parameters) = values.Rewrite([1, 2]);

        Assert.Equal("insert into tasks (team_id, priority) values ($1, $2), ($3, $4) on conflict (team_id) do update set priority = $5", sql);
        Assert.Equal([2, 3, 4, 1, 5], parameters);
    }

    [Fact]
    public void Returning_is_noted()
    {
        Assert.True(Single("insert into tasks (team_id) values ('a'), ('b') returning task_id").InsertValues!.HasReturning);
        Assert.False(Single("insert into tasks (team_id) values ('a'), ('b')").InsertValues!.HasReturning);
    }

    [Theory]
    [InlineData("insert into tasks (team_id) values ('a')")]
    [InlineData("insert into tasks (team_id) values ('a'), ('a')")]
    [InlineData("insert into tasks (team_id) select 'a' union all select 'b'")]
    [InlineData("insert into other (team_id) values ('a'), ('b')")]
    [InlineData("with x as (select 1) insert into tasks (team_id) values ('a'), ('b')")]
    public void Statements_that_need_no_split_or_cannot_be_split_have_none(string sql)
    {
        Assert.Null(Single(sql).InsertValues);
    }
}
