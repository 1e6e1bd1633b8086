using DataTier.Core.Errors;
using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Tests.Sql.Tree;

namespace DataTier.Core.Tests.Sql.CrossShard;

/// <summary>The planner's rewrite of a key-less read into what each shard runs, and its refusals.</summary>
public sealed class CrossShardPlannerTests
{
    private static CrossShardPlan Plan(string sql) => CrossShardPlanner.Plan(sql, new ShardedTableLookup(PgSql.ShardedTables));

    [Fact]
    public void Filter_and_projection_is_concatenated_unchanged()
    {
        var plan = Plan("select team_id, title from tasks where priority > 2");

        Assert.Equal(CrossShardMode.Concatenate, plan.Mode);
        Assert.Equal("select team_id, title from tasks where priority > 2", plan.ShardSql);
    }

    [Fact]
    public void Limit_with_offset_is_pushed_down_as_their_sum_without_the_offset()
    {
        var plan = Plan("select title from tasks order by created_at desc limit 10 offset 5");

        Assert.Equal(CrossShardMode.Merge, plan.Mode);
        Assert.Equal("select title, created_at AS dt_xs_0 from tasks\norder by created_at desc\nLIMIT 15", plan.ShardSql);
        Assert.Equal(10, plan.Limit);
        Assert.Equal(5, plan.Offset);
        Assert.Equal(1, plan.HiddenCount);
        var key = Assert.Single(plan.Order);
        Assert.Equal(new CrossShardSortKey(new CrossShardColumnRef(0, Hidden: true), Descending: true, NullsFirst: true), key);
    }

    [Fact]
    public void Order_by_a_selected_column_alias_or_position_adds_no_hidden_column()
    {
        var plan = Plan("select priority as p, title from tasks\norder by p, 2 desc nulls last, title asc nulls first");

        Assert.Equal(0, plan.HiddenCount);
        Assert.Equal(
            [
                new CrossShardSortKey(new CrossShardColumnRef(0, false), false, false),
                new CrossShardSortKey(new CrossShardColumnRef(1, false), true, false),
                new CrossShardSortKey(new CrossShardColumnRef(1, false), false, true),
            ],
            plan.Order.ToArray());
        Assert.Equal("select priority as p, title from tasks\norder by p, 2 desc nulls last, title asc nulls first", plan.ShardSql);
    }

    [Fact]
    public void Avg_becomes_sum_named_avg_and_a_hidden_count_and_the_grouped_tail_is_cut()
    {
        var plan = Plan("select status, avg(priority), count(*) filter (where user_id is null) as n from tasks where priority >= 0 group by status having avg(priority) > 1 order by 2 desc limit 3");

        Assert.Equal(CrossShardMode.Aggregate, plan.Mode);
        Assert.Equal(
            "select status, sum(priority) AS avg, count(*) filter (where user_id is null) as n, count(priority) AS dt_xs_0 from tasks where priority >= 0 group by status",
            plan.ShardSql);
        Assert.Equal([new CrossShardColumnRef(0, false)], plan.GroupKeys.ToArray());
        Assert.Equal(CrossShardAggregateKind.Avg, plan.Aggregates[0].Kind);
        Assert.Equal(new CrossShardColumnRef(0, true), plan.Aggregates[0].Count);
        Assert.Equal(CrossShardAggregateKind.Count, plan.Aggregates[1].Kind);
        Assert.NotNull(plan.Having);
        Assert.Equal(3, plan.Limit);
        Assert.Null(plan.ShardLimit);
    }

    [Fact]
    public void Having_on_an_aggregate_not_selected_adds_it_as_a_hidden_column()
    {
        var plan = Plan("select status from tasks group by status having max(priority) >= 3 and not count(*) < 2");

        Assert.Equal("select status, max(priority) AS dt_xs_0, count(*) AS dt_xs_1 from tasks group by status", plan.ShardSql);
        Assert.Equal(2, plan.HiddenCount);
    }

    [Fact]
    public void Group_key_not_selected_is_a_hidden_column()
    {
        var plan = Plan("select count(*) from tasks group by user_id order by user_id nulls first");

        Assert.Equal("select count(*), user_id AS dt_xs_0 from tasks group by user_id", plan.ShardSql);
        Assert.Equal([new CrossShardColumnRef(0, true)], plan.GroupKeys.ToArray());
        Assert.Equal(new CrossShardColumnRef(0, true), Assert.Single(plan.Order).Column);
    }

    [Fact]
    public void Distinct_stays_on_the_shards_and_is_merged()
    {
        var plan = Plan("select distinct status from tasks order by status limit 2");

        Assert.True(plan.Distinct);
        Assert.Equal("select DISTINCT status from tasks\norder by status\nLIMIT 2", plan.ShardSql);
    }

    [Fact]
    public void Star_with_order_by_a_column_hides_that_column()
    {
        var plan = Plan("select * from tasks order by priority limit 1");

        Assert.Equal("select *, priority AS dt_xs_0 from tasks\norder by priority\nLIMIT 1", plan.ShardSql);
        Assert.Equal(0, plan.StarTarget);
    }

    [Fact]
    public void Strings_and_comments_do_not_confuse_the_clauses()
    {
        var plan = Plan("/* shard */ select title as \"from\", 'order by x' as t from tasks where title <> 'limit 3' -- limit 9\n order by 1");

        Assert.Equal("/* shard */ select title as \"from\", 'order by x' as t from tasks where title <> 'limit 3' -- limit 9\norder by 1", plan.ShardSql);
        Assert.Equal(new CrossShardColumnRef(0, false), Assert.Single(plan.Order).Column);
    }

    [Fact]
    public void First_page_reads_one_row_past_its_size_in_the_statements_order()
    {
        var plan = CrossShardPlanner.Plan("select title from tasks order by created_at desc, task_id", new ShardedTableLookup(PgSql.ShardedTables), new CrossShardPage(10, null, 1));

        Assert.Equal(CrossShardMode.Merge, plan.Mode);
        Assert.Equal(11, plan.Limit);
        Assert.Equal("select title, created_at AS dt_xs_0, task_id AS dt_xs_1 from tasks\norder by created_at desc, task_id\nLIMIT 11", plan.ShardSql);
    }

    [Fact]
    public void Page_after_a_token_keeps_the_statements_filter_and_adds_rows_after_the_token_by_direction_and_nulls()
    {
        var plan = CrossShardPlanner.Plan(
            "select title, priority as p from tasks where priority > 2 -- hot\norder by created_at desc, p, task_id",
            new ShardedTableLookup(PgSql.ShardedTables),
            new CrossShardPage(10, [DateTime.UnixEpoch, null, "t-9"], 2));

        Assert.Equal(
            "select title, priority as p, created_at AS dt_xs_0, task_id AS dt_xs_1 from tasks where (\npriority > 2 -- hot\n) AND (((created_at) < $2) OR ((created_at) = $2 AND (priority) IS NULL AND ((task_id) > $3 OR (task_id) IS NULL)))\norder by created_at desc, p, task_id\nLIMIT 11",
            plan.ShardSql);
    }

    [Theory]
    [InlineData("select title from tasks", "a page of a read without ORDER BY")]
    [InlineData("select status, count(*) from tasks group by status order by status", "a page of an aggregate read")]
    [InlineData("select distinct status from tasks order by status", "a page of a DISTINCT read")]
    [InlineData("select title from tasks order by title limit 5", "LIMIT or OFFSET with a page")]
    public void Read_that_cannot_be_paged_is_refused_by_name(string sql, string construct)
    {
        var error = Assert.Throws<DataTierException>(() => CrossShardPlanner.Plan(sql, new ShardedTableLookup(PgSql.ShardedTables), new CrossShardPage(10, null, 1)));

        Assert.Contains($"refused: {construct} cannot be merged exactly", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("select t.title, c.body from tasks t join comments c on c.team_id = t.team_id and c.user_id = t.user_id order by t.title")]
    [InlineData("select t.title, c.body from tasks t left join comments c on t.team_id = c.team_id order by t.title")]
    [InlineData("select title, body from tasks join comments using (team_id) order by title")]
    [InlineData("select t.title from tasks t, comments c where t.priority > 1 and c.team_id = t.team_id order by t.title")]
    [InlineData("select t.title, u.email from tasks t join users u on u.user_id = t.user_id order by t.title")]
    [InlineData("select t.title, u.email from tasks t left join users u on u.user_id = t.user_id order by t.title")]
    [InlineData("select a.title from tasks a join tasks b on b.team_id = a.team_id join public.activity_logs l on l.team_id = b.team_id order by a.title")]
    public void Join_whose_rows_pair_only_within_one_shard_is_merged(string sql)
    {
        var plan = Plan(sql);

        Assert.Equal(CrossShardMode.Merge, plan.Mode);
    }

    [Theory]
    [InlineData("select count(distinct team_id) from tasks")]
    [InlineData("select status, count(distinct team_id) from tasks group by status having count(distinct team_id) > 1")]
    [InlineData("select max(distinct title), min(distinct priority) from tasks")]
    public void Distinct_aggregate_that_merges_exactly_is_planned(string sql)
    {
        var plan = Plan(sql);

        Assert.Equal(CrossShardMode.Aggregate, plan.Mode);
        Assert.Contains("distinct", plan.ShardSql, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("select count(distinct user_id) from tasks", "count(DISTINCT ...)")]
    [InlineData("select count(distinct t.team_id) from tasks t join public.activity_logs l using (team_id)", "count(DISTINCT ...)")]
    [InlineData("select row_number() over (order by priority) from tasks", "the window function row_number() OVER (...)")]
    [InlineData("select percentile_cont(0.5) within group (order by priority) from tasks", "the ordered-set aggregate percentile_cont() WITHIN GROUP")]
    [InlineData("select string_agg(title, ',' order by title) from tasks", "the aggregate string_agg() with ORDER BY")]
    [InlineData("select array_agg(title) from tasks", "the aggregate array_agg()")]
    [InlineData("select * from tasks t join comments c on c.user_id = t.user_id", "a join")]
    [InlineData("select * from tasks t join comments c on c.team_id = t.team_id or c.user_id = t.user_id", "a join")]
    [InlineData("select * from tasks t, comments c where c.team_id = t.team_id or t.priority > 1", "a join")]
    [InlineData("select * from tasks t join comments c using (user_id)", "a join")]
    [InlineData("select * from tasks natural join comments", "a NATURAL join")]
    [InlineData("select * from users u left join tasks t on t.team_id = u.team_id", "an outer join that keeps an unsharded table's rows")]
    [InlineData("select * from tasks where user_id in (select user_id from users)", "a subquery")]
    [InlineData("select title from tasks union select email from users", "a set operation (UNION, INTERSECT or EXCEPT)")]
    [InlineData("with t as (select * from tasks) select * from t", "WITH (a common table expression)")]
    [InlineData("select count(*) + 1 from tasks", "an aggregate inside an expression of the select list")]
    [InlineData("select status from tasks group by status having sum(priority) + 1 > 2", "the operator + in HAVING")]
    [InlineData("select status from tasks group by status having count(*) between 1 and 2", "BETWEEN in HAVING")]
    [InlineData("select title from tasks order by title limit $1", "a LIMIT that is not a non-negative integer constant")]
    [InlineData("select distinct on (status) status from tasks", "DISTINCT ON")]
    [InlineData("select title from tasks order by title collate \"C\"", "ORDER BY ... COLLATE")]
    [InlineData("select status from tasks group by rollup (status)", "GROUPING SETS, ROLLUP or CUBE")]
    public void Unmergeable_construct_is_refused_by_name(string sql, string construct)
    {
        var error = Assert.Throws<DataTierException>(() => Plan(sql));

        Assert.Equal(CrossShardRefusal.Code, error.Code);
        Assert.Equal(DataTierErrorKind.BadRequest, error.Kind);
        Assert.Contains($"refused: {construct} cannot be merged exactly", error.Message, StringComparison.Ordinal);
    }
}
