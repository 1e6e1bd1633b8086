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
}
