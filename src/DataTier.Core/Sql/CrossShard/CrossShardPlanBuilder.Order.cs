using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <content>ORDER BY items resolved to shard columns, and HAVING compiled into <see cref="HavingNode"/>s.</content>
internal sealed partial class CrossShardPlanBuilder
{
    private static readonly string[] ComparisonOperators = ["=", "<>", "!=", "<", "<=", ">", ">="];

    private ImmutableArray<CrossShardSortKey> ReadOrder(bool aggregate)
    {
        var nodes = PgJson.Items(_select, "sortClause").ToArray();
        if (nodes.Length == 0)
        {
            return [];
        }

        var items = ClauseItems("order");
        if (items.Count != nodes.Length)
        {
            throw CrossShardRefusal.Create("this ORDER BY list", $"DataTier read {items.Count} items in its text and the parser {nodes.Length}");
        }

        var keys = ImmutableArray.CreateBuilder<CrossShardSortKey>(nodes.Length);
        for (int i = 0; i < nodes.Length; i++)
        {
            PgJson.IsNode(nodes[i], "SortBy", out var sortBy);
            string direction = PgJson.String(sortBy, "sortby_dir") ?? "SORTBY_DEFAULT";
            string nulls = PgJson.String(sortBy, "sortby_nulls") ?? "SORTBY_NULLS_DEFAULT";
            if (direction == "SORTBY_USING")
            {
                throw CrossShardRefusal.Create("ORDER BY ... USING an operator", "DataTier orders by PostgreSQL's default ordering of each type only");
            }

            var node = sortBy.GetProperty("node");
            if (PgJson.IsNode(node, "CollateClause", out _))
            {
                throw CrossShardRefusal.Create("ORDER BY ... COLLATE", "DataTier compares text in the servers' collation (C) only");
            }

            bool descending = direction == "SORTBY_DESC";
            bool nullsFirst = nulls == "SORTBY_NULLS_FIRST" || (nulls == "SORTBY_NULLS_DEFAULT" && descending);
            keys.Add(new CrossShardSortKey(SortColumn(node, aggregate, items[i]), descending, nullsFirst));
            if (_page is not null)
            {
                _orderTexts.Add(OrderExpressionText(node, items[i]));
            }
        }

        return keys.MoveToImmutable();
    }

    private CrossShardColumnRef SortColumn(JsonElement node, bool aggregate, (int Start, int End, int FirstToken, int EndToken) item)
    {
        if (Position(node) is { } position)
        {
            return new CrossShardColumnRef(position, false);
        }

        // A bare name matches a select-list name (an alias) before an input column, as PostgreSQL resolves ORDER BY.
        if (PgJson.IsNode(node, "ColumnRef", out var columnRef) && PgJson.Items(columnRef, "fields").ToArray() is [var field] && PgJson.StringNode(field) is { } name)
        {
            int aliased = _targets.FindIndex(t => t.Alias == name);
            if (aliased >= 0)
            {
                return new CrossShardColumnRef(aliased, false);
            }
        }

        string key = CrossShardNodeKey.Of(node);
        int target = _targets.FindIndex(t => !t.IsStar && t.Key == key);
        if (target >= 0)
        {
            return new CrossShardColumnRef(target, false);
        }

        if (aggregate)
        {
            if (AggregateName(node) is not null)
            {
                return AggregateColumn(node, key);
            }

            foreach (var (groupKey, column) in _groupKeys)
            {
                if (groupKey == key)
                {
                    return column;
                }
            }

            throw CrossShardRefusal.Create(
                "ORDER BY an expression that is neither a select-list item, a GROUP BY item nor an aggregate",
                "the merge orders the merged groups by their columns");
        }

        if (ContainsAggregate(node))
        {
            throw CrossShardRefusal.Create("an aggregate only in ORDER BY", "DataTier merges aggregates of the select list, HAVING and ORDER BY of a grouped read");
        }

        // Ordered by an expression the select list lacks: each shard returns it as a hidden column, dropped from the answer.
        return Hide(SortExpressionText(item.FirstToken, item.EndToken));
    }

    /// <summary>An ORDER BY item's text without its ASC / DESC / NULLS FIRST / NULLS LAST.</summary>
    private string SortExpressionText(int first, int end)
    {
        if (end - first > 2 && _tokens[end - 2].IsWord(_sql, "nulls"))
        {
            end -= 2;
        }

        if (end - first > 1 && (_tokens[end - 1].IsWord(_sql, "asc") || _tokens[end - 1].IsWord(_sql, "desc")))
        {
            end--;
        }

        return _sql[_tokens[first].Start.._tokens[end - 1].End];
    }

    private HavingNode Predicate(JsonElement node)
    {
        if (PgJson.IsNode(node, "BoolExpr", out var boolean))
        {
            var op = (PgJson.String(boolean, "boolop") ?? "AND_EXPR") switch
            {
                "OR_EXPR" => HavingBoolean.Operator.Or,
                "NOT_EXPR" => HavingBoolean.Operator.Not,
                _ => HavingBoolean.Operator.And,
            };
            return new HavingBoolean(op, [.. PgJson.Items(boolean, "args").Select(Predicate)]);
        }

        if (PgJson.IsNode(node, "A_Expr", out var expression))
        {
            string kind = PgJson.String(expression, "kind") ?? "AEXPR_OP";
            string? op = PgJson.Items(expression, "name").Select(PgJson.StringNode).ToArray() is [var single] ? single : null;
            if (kind != "AEXPR_OP" || op is null || Array.IndexOf(ComparisonOperators, op) < 0)
            {
                throw CrossShardRefusal.Create(
                    kind == "AEXPR_OP" ? $"the operator {op} in HAVING" : $"{Describe(kind)} in HAVING",
                    "DataTier evaluates HAVING after the merge and supports comparisons (=, <>, <, <=, >, >=), AND, OR, NOT and IS [NOT] NULL over aggregates, group keys and constants");
            }

            return new HavingComparison(op, Operand(expression.GetProperty("lexpr")), Operand(expression.GetProperty("rexpr")));
        }

        if (PgJson.IsNode(node, "NullTest", out var nullTest))
        {
            return new HavingNullTest(Operand(nullTest.GetProperty("arg")), (PgJson.String(nullTest, "nulltesttype") ?? "IS_NULL") == "IS_NULL");
        }

        return Operand(node);
    }

    private HavingNode Operand(JsonElement node)
    {
        if (PgJson.IsNode(node, "A_Const", out var constant))
        {
            return new HavingConstant(Constant(constant));
        }

        string key = CrossShardNodeKey.Of(node);
        if (AggregateName(node) is not null)
        {
            return new HavingColumn(AggregateColumn(node, key));
        }

        foreach (var (groupKey, column) in _groupKeys)
        {
            if (groupKey == key)
            {
                return new HavingColumn(column);
            }
        }

        int target = _targets.FindIndex(t => t.Aggregate is null && !t.IsStar && t.Key == key);
        if (target >= 0)
        {
            return new HavingColumn(new CrossShardColumnRef(target, false));
        }

        string type = PgJson.TryGetNode(node, out string nodeType, out var body) ? nodeType : "an expression";
        if (type == "A_Expr" && PgJson.Items(body, "name").Select(PgJson.StringNode).ToArray() is [var op])
        {
            type = (PgJson.String(body, "kind") ?? "AEXPR_OP") == "AEXPR_OP" ? "the operator " + op : PgJson.String(body, "kind")!;
        }

        throw CrossShardRefusal.Create(
            $"{Describe(type)} in HAVING",
            "DataTier evaluates HAVING after the merge and supports comparisons (=, <>, <, <=, >, >=), AND, OR, NOT and IS [NOT] NULL over aggregates, group keys and constants");
    }

    private object? Constant(JsonElement constant)
    {
        PgJson.TryReadConstant(constant, _input, out string? text, out bool isNull);
        if (isNull)
        {
            return null;
        }

        if (PgJson.TryGet(constant, "ival", out _))
        {
            return long.Parse(text!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        if (PgJson.TryGet(constant, "fval", out _))
        {
            return PgNumeric.Parse(text);
        }

        if (PgJson.TryGet(constant, "boolval", out _))
        {
            return text == "true";
        }

        if (PgJson.TryGet(constant, "sval", out _))
        {
            return text;
        }

        throw CrossShardRefusal.Create("a bit-string constant in HAVING", "DataTier compares numbers, text and booleans there");
    }

    private static string Describe(string nodeType) => nodeType switch
    {
        "TypeCast" => "a type cast",
        "FuncCall" => "a function call",
        "A_Expr" => "an operator expression",
        "AEXPR_IN" => "IN (...)",
        "AEXPR_LIKE" or "AEXPR_ILIKE" => "LIKE",
        "AEXPR_BETWEEN" or "AEXPR_NOT_BETWEEN" => "BETWEEN",
        "AEXPR_DISTINCT" or "AEXPR_NOT_DISTINCT" => "IS [NOT] DISTINCT FROM",
        "AEXPR_OP_ANY" or "AEXPR_OP_ALL" => "ANY/ALL",
        "ColumnRef" => "a column that is not a GROUP BY item",
        "CaseExpr" => "CASE",
        "CoalesceExpr" => "COALESCE",
        "SubLink" => "a subquery",
        _ => nodeType,
    };
}
