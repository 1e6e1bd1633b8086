using System.Globalization;
using System.Text;
using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <content>Keyset pages (<see cref="CrossShardPage"/>): what may be paged, and the predicate spliced into WHERE.</content>
internal sealed partial class CrossShardPlanBuilder
{
    // Each ORDER BY item as an expression the WHERE clause can use (a select-list alias or position resolved to its expression).
    private readonly List<string> _orderTexts = [];
    private System.Collections.Immutable.ImmutableArray<CrossShardSortKey> _order = [];

    private static void CheckPageable(bool aggregate, bool distinct, bool ordered, long? limit, long offset)
    {
        if (!ordered)
        {
            throw CrossShardRefusal.Create("a page of a read without ORDER BY", "a continuation token is the last row's sort key; order the statement by a unique key (e.g. ORDER BY created_at, task_id)");
        }

        if (aggregate || distinct)
        {
            throw CrossShardRefusal.Create(aggregate ? "a page of an aggregate read" : "a page of a DISTINCT read", "pages are cut by the sort key of stored rows; page the rows, or use LIMIT/OFFSET");
        }

        if (limit is not null || offset != 0)
        {
            throw CrossShardRefusal.Create("LIMIT or OFFSET with a page", "the page's size takes the place of LIMIT, and its token of OFFSET");
        }
    }

    /// <summary>The ORDER BY item's expression, as the WHERE clause can name it.</summary>
    private string OrderExpressionText(JsonElement node, (int Start, int End, int FirstToken, int EndToken) item)
    {
        int target = Position(node) ?? -1;
        if (target < 0 && PgJson.IsNode(node, "ColumnRef", out var columnRef) && PgJson.Items(columnRef, "fields").ToArray() is [var field] && PgJson.StringNode(field) is { } name)
        {
            target = _targets.FindIndex(t => t.Alias == name);
        }

        if (target < 0)
        {
            return SortExpressionText(item.FirstToken, item.EndToken);
        }

        var t = _targets[target];
        if (t.IsStar)
        {
            throw CrossShardRefusal.Create("a page ordered by the position of *", "name the sort columns");
        }

        int end = t.EndToken;
        if (t.Alias is not null)
        {
            end--;
            if (end - 1 > t.FirstToken && _tokens[end - 1].IsWord(_sql, "as"))
            {
                end--;
            }
        }

        return _sql[_tokens[t.FirstToken].Start.._tokens[end - 1].End];
    }

    /// <summary>FROM and WHERE with the page's predicate: <c>WHERE (original) AND (after the token)</c>.</summary>
    private void AppendPageBody(StringBuilder sql, int tailStart, int bodyEnd)
    {
        int bodyEndChar = CharStart(bodyEnd);
        string predicate = PagePredicate();
        if (_clauses.TryGetValue("where", out int where))
        {
            int condition = _tokens[where].End;
            sql.Append(' ').Append(_sql.AsSpan(tailStart, condition - tailStart)).Append(" (\n");
            // New lines around the original condition: it may end in a -- comment.
            sql.Append(_sql.AsSpan(condition, bodyEndChar - condition).Trim()).Append("\n) AND (").Append(predicate).Append(')');
        }
        else
        {
            sql.Append(' ').Append(_sql.AsSpan(tailStart, bodyEndChar - tailStart).TrimEnd()).Append("\nWHERE ").Append(predicate);
        }
    }

    /// <summary>
    /// Rows strictly after the token in the ORDER BY: for keys k1..kn, the OR over i of (k1..k(i-1) equal, ki after).
    /// "After" follows the direction and the NULLS placement, so it never compares with NULL.
    /// </summary>
    private string PagePredicate()
    {
        var after = _page!.After!;
        if (after.Count != _orderTexts.Count)
        {
            throw new Errors.DataTierException(Errors.DataTierErrorKind.BadRequest, "invalid-page-token", $"The continuation token holds {after.Count} sort values and the statement orders by {_orderTexts.Count}; it was made for another statement.");
        }

        var terms = new List<string>();
        var equal = new StringBuilder();
        int parameter = _page.FirstParameter;
        for (int i = 0; i < _orderTexts.Count; i++)
        {
            string key = "(" + _orderTexts[i] + ")";
            string? value = after[i] is null ? null : "$" + (parameter++).ToString(CultureInfo.InvariantCulture);
            var (_, descending, nullsFirst) = _order[i];
            string? strictlyAfter = value is null
                ? (nullsFirst ? key + " IS NOT NULL" : null)
                : key + (descending ? " < " : " > ") + value + (nullsFirst ? "" : " OR " + key + " IS NULL");
            if (strictlyAfter is not null)
            {
                terms.Add(equal.Length == 0 ? "(" + strictlyAfter + ")" : "(" + equal + " AND (" + strictlyAfter + "))");
            }

            if (equal.Length > 0)
            {
                equal.Append(" AND ");
            }

            equal.Append(value is null ? key + " IS NULL" : key + " = " + value);
        }

        return terms.Count == 0 ? "FALSE" : string.Join(" OR ", terms);
    }
}
