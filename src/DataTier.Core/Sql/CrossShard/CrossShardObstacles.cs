using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Constructs anywhere in a key-less read whose answer the shards cannot give in parts: subqueries, window
/// functions, grouping sets, and aggregates that do not merge (ordered, statistical, DISTINCT). Joins are
/// <see cref="CrossShardColocation"/>'s to judge.
/// </summary>
internal static class CrossShardObstacles
{
    /// <param name="element">The statement's tree.</param>
    /// <param name="shardKey">
    /// The shard key column when the read is of one sharded table, else null: <c>count(DISTINCT key)</c> and
    /// <c>sum(DISTINCT key)</c> merge exactly, as each key value lives on one shard only.
    /// </param>
    public static void Check(JsonElement element, string? shardKey)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    CheckNode(property.Name, property.Value, shardKey);
                    Check(property.Value, shardKey);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Check(item, shardKey);
                }

                break;
        }
    }

    private static void CheckNode(string type, JsonElement body, string? shardKey)
    {
        switch (type)
        {
            case "SubLink":
                throw CrossShardRefusal.Create("a subquery", "it would be evaluated on each shard's rows alone, not on all of them");
            case "RangeSubselect":
                throw CrossShardRefusal.Create("a subquery in FROM", "it would be evaluated on each shard's rows alone, not on all of them");
            case "RangeFunction":
                throw CrossShardRefusal.Create("a function in FROM", "DataTier plans reads of one sharded table");
            case "GroupingSet":
                throw CrossShardRefusal.Create("GROUPING SETS, ROLLUP or CUBE", "DataTier merges plain GROUP BY lists");
            case "FuncCall":
                CheckCall(body, shardKey);
                break;
        }
    }

    private static void CheckCall(JsonElement call, string? shardKey)
    {
        var parts = PgJson.Items(call, "funcname").Select(PgJson.StringNode).ToArray();
        string name = parts.Length > 0 ? parts[^1] ?? "" : "";
        if (PgJson.TryGet(call, "over", out _))
        {
            throw CrossShardRefusal.Create($"the window function {name}() OVER (...)", "a window needs every row of its partition at once, and the partition spans shards");
        }

        if (PgJson.Bool(call, "agg_within_group"))
        {
            throw CrossShardRefusal.Create($"the ordered-set aggregate {name}() WITHIN GROUP", "it needs every value at once, in order");
        }

        if (name == "grouping")
        {
            throw CrossShardRefusal.Create("GROUPING()", "DataTier merges plain GROUP BY lists");
        }

        if (CrossShardFunctions.Unmergeable.Contains(name))
        {
            bool ordered = PgJson.TryGet(call, "agg_order", out _);
            throw CrossShardRefusal.Create(
                $"the aggregate {name}(){(ordered ? " with ORDER BY" : "")}",
                "the shards' partial results do not combine into exactly PostgreSQL's answer");
        }

        if (CrossShardFunctions.Mergeable.ContainsKey(name) && PgJson.Bool(call, "agg_distinct") && !DistinctMerges(name, call, shardKey))
        {
            throw CrossShardRefusal.Create($"{name}(DISTINCT ...)", "the same value may occur on several shards and would be counted once per shard");
        }
    }

    // min/max ignore duplicates anyway; count and sum of DISTINCT shard keys add up, since no key value is on two shards.
    private static bool DistinctMerges(string name, JsonElement call, string? shardKey) =>
        name is "min" or "max"
        || (name is "count" or "sum" && shardKey is not null && PgJson.Items(call, "args").ToArray() is [var argument]
            && PgJson.IsNode(argument, "ColumnRef", out var column) && PgJson.Items(column, "fields").Select(PgJson.StringNode).LastOrDefault() == shardKey);
}
