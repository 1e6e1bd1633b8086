using DataTier.Core.Advice;

namespace DataTier.Core.Tests.Advice;

public sealed class PlanReaderTests
{
    private const string FilterAndSortPlan =
        """
        [{"Plan": {"Node Type": "Limit", "Total Cost": 5400.5, "Plans": [
          {"Node Type": "Sort", "Total Cost": 5400.0, "Sort Key": ["adv_orders.created_at DESC"], "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "adv_orders", "Schema": "public", "Alias": "adv_orders", "Total Cost": 5000.0,
             "Filter": "((adv_orders.created_at >= ($2)::timestamp with time zone) AND ((adv_orders.status)::text = $1))"}]}]}}]
        """;

    private const string JoinPlan =
        """
        [{"Plan": {"Node Type": "Hash Join", "Total Cost": 10255.26, "Hash Cond": "(i.order_id = o.order_id)", "Plans": [
          {"Node Type": "Seq Scan", "Relation Name": "adv_items", "Schema": "public", "Alias": "i", "Total Cost": 6000.0},
          {"Node Type": "Hash", "Total Cost": 4000.0, "Plans": [
            {"Node Type": "Seq Scan", "Relation Name": "adv_orders", "Schema": "public", "Alias": "o", "Total Cost": 4000.0, "Filter": "(o.customer_id = $1)"}]}]}}]
        """;

    [Fact]
    public void Filter_columns_are_split_into_equality_and_range_and_the_sort_key_is_kept()
    {
        var facts = PlanReader.Read(FilterAndSortPlan);
        Assert.Equal(5400.5, facts.TotalCost);
        var table = Assert.Single(facts.Tables);
        Assert.Equal("adv_orders", table.Table);
        Assert.Equal(["status"], table.Equality);
        Assert.Equal(["created_at"], table.Range);
        Assert.Equal(["created_at"], table.Sort);
        Assert.True(table.SequentialScan);
    }

    [Fact]
    public void A_join_condition_marks_the_join_column_on_both_tables_by_alias()
    {
        var facts = PlanReader.Read(JoinPlan);
        var items = facts.Tables.Single(t => t.Table == "adv_items");
        var orders = facts.Tables.Single(t => t.Table == "adv_orders");
        Assert.Equal(["order_id"], items.Join);
        Assert.Equal(["order_id"], orders.Join);
        Assert.Equal(["customer_id"], orders.Equality);
        Assert.Empty(items.Equality);
    }

    [Fact]
    public void A_top_level_or_yields_no_predicates()
    {
        Assert.Empty(PlanReader.Conjuncts("((a.x = $1) OR (a.y = $2))"));
        Assert.Equal(["a.x = $1", "a.y > 3"], PlanReader.Conjuncts("((a.x = $1) AND (a.y > 3))"));
    }

    [Fact]
    public void System_catalog_relations_are_ignored()
    {
        var facts = PlanReader.Read("""[{"Plan": {"Node Type": "Seq Scan", "Relation Name": "pg_class", "Schema": "pg_catalog", "Alias": "c", "Total Cost": 20.0, "Filter": "(c.relname = $1)"}}]""");
        Assert.Empty(facts.Tables);
    }

    private static TableAccess ScanWith(string filter, string output = "[]") =>
        Assert.Single(PlanReader.Read(
            $$$"""
            [{"Plan": {"Node Type": "Seq Scan", "Relation Name": "tasks", "Schema": "public", "Alias": "t", "Total Cost": 100.0,
              "Output": {{{output}}}, "Filter": "{{{filter}}}"}}]
            """).Tables);

    [Fact]
    public void A_like_against_a_parameter_or_a_prefix_pattern_marks_a_prefix_column()
    {
        Assert.Equal(["title"], ScanWith("(t.title ~~ $1)").Prefix);
        Assert.Equal(["title"], ScanWith("(t.title ~~ 'abc%'::text)").Prefix);
        Assert.Empty(ScanWith("(t.title ~~ '%abc'::text)").Prefix);
    }

    [Fact]
    public void Lower_of_a_column_compared_for_equality_is_an_expression_not_a_column()
    {
        var table = ScanWith("(lower(t.email) = $1)");
        Assert.Equal(["lower(email)"], table.Expressions);
        Assert.Empty(table.Equality);
    }

    [Fact]
    public void A_literal_condition_is_kept_as_a_partial_predicate_and_a_parameter_is_not()
    {
        var table = ScanWith("((t.status = 'open'::text) AND (t.team_id = $1))");
        Assert.Equal(["status = 'open'::text"], table.Constants);
        Assert.Equal(["status", "team_id"], table.Equality);
    }

    [Fact]
    public void The_scan_output_columns_are_read_and_an_expression_output_rules_out_index_only()
    {
        var table = ScanWith("(t.team_id = $1)", """["t.id", "t.title"]""");
        Assert.Equal(["id", "title"], table.Output);
        Assert.True(table.OutputIsColumns);
        Assert.False(ScanWith("(t.team_id = $1)", """["t.id", "upper(t.title)"]""").OutputIsColumns);
    }

    [Fact]
    public void Under_an_aggregate_only_the_columns_it_names_are_read_from_the_whole_row_the_scan_returns()
    {
        var table = Assert.Single(PlanReader.Read(
            """
            [{"Plan": {"Node Type": "Aggregate", "Total Cost": 5169.51, "Output": ["sum(amount)"], "Plans": [
              {"Node Type": "Seq Scan", "Relation Name": "adk_cov", "Schema": "public", "Alias": "adk_cov", "Total Cost": 5167.0,
               "Output": ["id", "team_id", "amount", "pad"], "Filter": "(adk_cov.team_id = $1)"}]}}]
            """).Tables);
        Assert.Equal(["amount"], table.Output);
        var covering = CandidateGenerator.For(table, 3).Single(c => c.Include is { Count: > 0 });
        Assert.Equal(["amount"], covering.Include!);
    }
}
