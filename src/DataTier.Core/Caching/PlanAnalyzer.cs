using System.Collections.Immutable;
using System.Text.Json;

namespace DataTier.Core.Caching;

/// <summary>
/// Reads an <c>EXPLAIN (FORMAT JSON)</c> plan: the relations it touches (so invalidation comes from the planner,
/// not from guessing at SQL text), the tables a write modifies, its estimated cost and a complexity score.
/// </summary>
public static class PlanAnalyzer
{
    /// <summary>Analyses the JSON that EXPLAIN (FORMAT JSON) returned.</summary>
    public static StatementProfile Analyze(string explainJson)
    {
        using var doc = JsonDocument.Parse(explainJson);
        var root = doc.RootElement[0].GetProperty("Plan");
        var tables = new SortedSet<string>(StringComparer.Ordinal);
        var written = new SortedSet<string>(StringComparer.Ordinal);
        int joins = 0, aggregates = 0, sorts = 0, subplans = 0, ctes = 0, windows = 0;
        Walk(root);
        double cost = root.TryGetProperty("Total Cost", out var c) ? c.GetDouble() : 0;
        var features = new PlanFeatures(joins, aggregates, sorts, subplans, ctes, windows);
        return new StatementProfile([.. tables], [.. written], cost, features.Score, features);

        void Walk(JsonElement node)
        {
            string type = node.TryGetProperty("Node Type", out var t) ? t.GetString() ?? "" : "";
            if (node.TryGetProperty("Relation Name", out var rel) && rel.GetString() is { } relation)
            {
                tables.Add(relation);
                if (type == "ModifyTable")
                {
                    written.Add(relation);
                }
            }

            switch (type)
            {
                case "Nested Loop" or "Hash Join" or "Merge Join":
                    joins++;
                    break;
                case "Aggregate" or "Group":
                    aggregates++;
                    break;
                case "Sort" or "Incremental Sort":
                    sorts++;
                    break;
                case "CTE Scan":
                    ctes++;
                    break;
                case "WindowAgg":
                    windows++;
                    break;
            }

            if (node.TryGetProperty("Parent Relationship", out var parent) && parent.GetString() is "SubPlan" or "InitPlan")
            {
                subplans++;
            }

            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Walk(child);
                }
            }
        }
    }
}
