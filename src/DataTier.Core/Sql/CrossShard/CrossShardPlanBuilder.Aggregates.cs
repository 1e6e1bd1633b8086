using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <content>GROUP BY keys and aggregates: which shard column holds each, and the avg rewrite.</content>
internal sealed partial class CrossShardPlanBuilder
{
    private void ReadGroupKeys()
    {
        var nodes = PgJson.Items(_select, "groupClause").ToArray();
        if (nodes.Length == 0)
        {
            return;
        }

        if (PgJson.Bool(_select, "groupDistinct"))
        {
            throw CrossShardRefusal.Create("GROUP BY DISTINCT", "DataTier merges plain GROUP BY lists");
        }

        var items = ClauseItems("group");
        if (items.Count != nodes.Length)
        {
            throw CrossShardRefusal.Create("this GROUP BY list", $"DataTier read {items.Count} items in its text and the parser {nodes.Length}");
        }

        for (int i = 0; i < nodes.Length; i++)
        {
            var node = nodes[i];
            string key = CrossShardNodeKey.Of(node);
            if (Position(node) is { } position)
            {
                _groupKeys.Add((CrossShardNodeKey.Of(_targets[position].Value), new CrossShardColumnRef(position, false)));
                continue;
            }

            if (ContainsAggregate(node))
            {
                throw CrossShardRefusal.Create("an aggregate in GROUP BY", "PostgreSQL does not allow it either");
            }

            int target = _targets.FindIndex(t => !t.IsStar && t.Key == key);
            _groupKeys.Add((key, target >= 0 ? new CrossShardColumnRef(target, false) : Hide(_sql[items[i].Start..items[i].End])));
        }
    }

    /// <summary>The 0-based select-list position an integer constant names in GROUP BY or ORDER BY, or null for any other node.</summary>
    private int? Position(JsonElement node)
    {
        if (!PgJson.IsNode(node, "A_Const", out var constant) || !PgJson.TryGet(constant, "ival", out _))
        {
            return null;
        }

        PgJson.TryReadConstant(constant, _input, out string? text, out _);
        if (!int.TryParse(text, out int position) || position < 1 || position > _targets.Count)
        {
            throw CrossShardRefusal.Create($"position {text} in GROUP BY or ORDER BY", $"the select list has {_targets.Count} items");
        }

        if (StarTarget() >= 0)
        {
            throw CrossShardRefusal.Create("a GROUP BY or ORDER BY position with * in the select list", "the position of a column after * depends on the table");
        }

        return position - 1;
    }

    private void ReadTargetAggregates(List<string> targetTexts)
    {
        for (int t = 0; t < _targets.Count; t++)
        {
            var target = _targets[t];
            if (target.Aggregate is null)
            {
                if (ContainsAggregate(target.Value))
                {
                    throw CrossShardRefusal.Create(
                        "an aggregate inside an expression of the select list",
                        "DataTier merges aggregates that are select-list items of their own (count(*), not count(*) + 1)");
                }

                continue;
            }

            PgJson.IsNode(target.Value, "FuncCall", out var call);
            var (callStart, nameStart, nameEnd, callEnd) = CallSpan(call);
            var kind = CrossShardFunctions.Mergeable[target.Aggregate];
            var column = new CrossShardColumnRef(t, false);
            CrossShardAggregate aggregate;
            if (kind == CrossShardAggregateKind.Avg)
            {
                // avg(x) becomes sum(x) in place, named as avg would be, and count(x) hidden at the end (so that select-list
                // positions used by GROUP BY 1 and ORDER BY 2 still name the same items).
                targetTexts[t] = string.Concat(_sql.AsSpan(target.Start, nameStart - target.Start), "sum", _sql.AsSpan(nameEnd, target.End - nameEnd))
                    + (target.Alias is null ? " AS avg" : "");
                var count = Hide(string.Concat(_sql.AsSpan(callStart, nameStart - callStart), "count", _sql.AsSpan(nameEnd, callEnd - nameEnd)));
                aggregate = new CrossShardAggregate(kind, column, count, target.Aggregate);
            }
            else
            {
                aggregate = new CrossShardAggregate(kind, column, null, target.Aggregate);
            }

            _aggregates.Add(aggregate);
            _aggregateKeys.Add((target.Key, aggregate));
        }
    }

    /// <summary>The column holding an aggregate a HAVING or ORDER BY uses: a select-list item, or a hidden column added now.</summary>
    private CrossShardColumnRef AggregateColumn(JsonElement node, string key)
    {
        foreach (var (existing, aggregate) in _aggregateKeys)
        {
            if (existing == key)
            {
                return aggregate.Column;
            }
        }

        PgJson.IsNode(node, "FuncCall", out var call);
        string name = AggregateName(node)!;
        var kind = CrossShardFunctions.Mergeable[name];
        var (callStart, nameStart, nameEnd, callEnd) = CallSpan(call);
        CrossShardAggregate added;
        if (kind == CrossShardAggregateKind.Avg)
        {
            var sum = Hide(string.Concat(_sql.AsSpan(callStart, nameStart - callStart), "sum", _sql.AsSpan(nameEnd, callEnd - nameEnd)));
            var count = Hide(string.Concat(_sql.AsSpan(callStart, nameStart - callStart), "count", _sql.AsSpan(nameEnd, callEnd - nameEnd)));
            added = new CrossShardAggregate(kind, sum, count, name);
        }
        else
        {
            added = new CrossShardAggregate(kind, Hide(_sql[callStart..callEnd]), null, name);
        }

        _aggregates.Add(added);
        _aggregateKeys.Add((key, added));
        return added.Column;
    }

    private CrossShardColumnRef Hide(string expression)
    {
        _hidden.Add(expression);
        return new CrossShardColumnRef(_hidden.Count - 1, true);
    }

    /// <summary>
    /// Where an aggregate call is in the text: its start (the parse tree's location), its function name (to splice avg into
    /// sum and count), and its end after the argument list and any FILTER (WHERE ...).
    /// </summary>
    private (int Start, int NameStart, int NameEnd, int End) CallSpan(JsonElement call)
    {
        int start = _input.ToCharOffset(PgJson.Int(call, "location"));
        int i = _tokens.FindIndex(t => t.Start == start);
        if (i < 0)
        {
            throw CrossShardRefusal.Create("an aggregate call DataTier cannot find in the text", "the rewrite splices the text at the call");
        }

        while (i < _tokens.Count && _tokens[i].Kind != SqlClauseTokenKind.Open)
        {
            i++;
        }

        var name = _tokens[i - 1];
        int close = MatchingClose(i);
        if (close + 2 < _tokens.Count && _tokens[close + 1].IsWord(_sql, "filter") && _tokens[close + 2].Kind == SqlClauseTokenKind.Open)
        {
            close = MatchingClose(close + 2);
        }

        return (start, name.Start, name.End, _tokens[close].End);
    }

    private int MatchingClose(int open)
    {
        int depth = _tokens[open].Depth;
        for (int i = open + 1; i < _tokens.Count; i++)
        {
            if (_tokens[i].Kind == SqlClauseTokenKind.Close && _tokens[i].Depth == depth)
            {
                return i;
            }
        }

        throw CrossShardRefusal.Create("an unbalanced parenthesis", "the text does not match its parse tree");
    }

    private static bool ContainsAggregate(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (AggregateName(element) is not null)
                {
                    return true;
                }

                foreach (var property in element.EnumerateObject())
                {
                    if (ContainsAggregate(property.Value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    if (ContainsAggregate(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }
}
