using System.Collections.Frozen;
using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// Whether a read run on every shard, with the shards' rows concatenated, answers exactly what the statement asks of
/// the union of the shards: true for a filter and projection of one table. Ordering, limits, aggregates, grouping,
/// DISTINCT, window functions, set operations, joins, subqueries and CTEs need a merge step (the cross-shard planner),
/// so they are named instead of being answered wrongly.
/// </summary>
internal static class PgConcatenation
{
    private static readonly FrozenSet<string> Aggregates = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        "count", "sum", "avg", "min", "max", "array_agg", "string_agg", "bool_and", "bool_or", "every", "json_agg",
        "jsonb_agg", "json_object_agg", "jsonb_object_agg", "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop",
        "stddev_samp", "variance", "var_pop", "var_samp", "corr", "covar_pop", "covar_samp", "mode", "percentile_cont",
        "percentile_disc", "rank", "dense_rank", "percent_rank", "cume_dist", "xmlagg", "range_agg", "range_intersect_agg",
        "regr_avgx", "regr_avgy", "regr_count", "regr_intercept", "regr_r2", "regr_slope", "regr_sxx", "regr_sxy", "regr_syy");

    private static readonly (string Key, string Construct)[] TopLevel =
    [
        ("sortClause", "ORDER BY"),
        ("limitCount", "LIMIT"),
        ("limitOffset", "OFFSET"),
        ("distinctClause", "DISTINCT"),
        ("groupClause", "GROUP BY"),
        ("havingClause", "HAVING"),
        ("windowClause", "WINDOW"),
        ("withClause", "WITH (a CTE)"),
        ("larg", "a set operation (UNION, INTERSECT, EXCEPT)"),
    ];

    /// <summary>The construct that stops concatenation from being the answer, or null when it is exact.</summary>
    public static string? Obstacle(PgStatement statement)
    {
        foreach (string function in statement.Analysis.Functions)
        {
            if (Aggregates.Contains(function))
            {
                return $"the aggregate {function}()";
            }
        }

        using var tree = statement.OpenParseTree();
        if (!tree.RootElement.TryGetProperty("SelectStmt", out var select))
        {
            return "a statement other than SELECT";
        }

        foreach (var (key, construct) in TopLevel)
        {
            if (select.TryGetProperty(key, out _))
            {
                return construct;
            }
        }

        if (select.TryGetProperty("fromClause", out var from) && from.GetArrayLength() > 1)
        {
            return "a join";
        }

        return Nested(select);
    }

    // Anywhere below the top level: joins, subqueries and window functions.
    private static string? Nested(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string? found = property.Name switch
                    {
                        "JoinExpr" => "a join",
                        "SubLink" or "RangeSubselect" => "a subquery",
                        "over" => "a window function",
                        _ => Nested(property.Value),
                    };
                    if (found is not null)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (Nested(item) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }
}
