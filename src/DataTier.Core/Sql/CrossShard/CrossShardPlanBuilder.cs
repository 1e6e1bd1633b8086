using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Builds one <see cref="CrossShardPlan"/>: the parse tree says what the statement means, <see cref="SqlClauseScanner"/>
/// where each clause and list item ends, and the shard statement is spliced from the original text (so every expression
/// reaches the shards exactly as written) with three changes: an avg becomes its sum plus a hidden count, expressions
/// the merge needs but the select list lacks are appended as hidden columns, and what the merge must do itself (HAVING,
/// ORDER BY and LIMIT of an aggregate read; OFFSET) is cut.
/// </summary>
internal sealed partial class CrossShardPlanBuilder
{
    private const string HiddenPrefix = "dt_xs_";

    private static readonly string[] ClauseWords =
        ["from", "where", "group", "having", "window", "order", "limit", "offset", "fetch", "for", "into", "union", "intersect", "except"];

    private readonly string _sql;
    private readonly PgQueryInput _input;
    private readonly JsonElement _select;
    private readonly ShardedTableLookup? _sharded;
    private readonly CrossShardPage? _page;
    private readonly List<SqlClauseToken> _tokens;
    private readonly Dictionary<string, int> _clauses = new(StringComparer.Ordinal);
    private readonly List<Target> _targets = [];
    private readonly List<string> _hidden = [];
    private readonly List<CrossShardAggregate> _aggregates = [];
    private readonly List<(string Key, CrossShardAggregate Aggregate)> _aggregateKeys = [];
    private readonly List<(string Key, CrossShardColumnRef Column)> _groupKeys = [];
    private int _selectToken;
    private int _targetsStart;
    private int _targetsEnd;

    public CrossShardPlanBuilder(string sql, PgQueryInput input, JsonElement select, ShardedTableLookup? sharded, CrossShardPage? page = null)
    {
        _sharded = sharded;
        _page = page;
        _sql = sql;
        _input = input;
        _select = select;
        _tokens = SqlClauseScanner.Scan(sql);
    }

    private sealed record Target(JsonElement Value, string? Alias, int Start, int End, int FirstToken, int EndToken, bool IsStar, string Key, string? Aggregate);

    public CrossShardPlan Build()
    {
        CheckTopLevel();
        CrossShardObstacles.Check(_select, OnlyTableKey());
        FindClauses();
        ReadTargets();

        bool aggregate = _targets.Any(t => ContainsAggregate(t.Value))
            || PgJson.TryGet(_select, "groupClause", out _) || PgJson.TryGet(_select, "havingClause", out _);
        bool distinct = PgJson.TryGet(_select, "distinctClause", out _);
        long? limit = ReadLimit("limitCount", "LIMIT");
        long offset = ReadLimit("limitOffset", "OFFSET") ?? 0;
        bool ordered = PgJson.TryGet(_select, "sortClause", out _);
        if (_page is not null)
        {
            CheckPageable(aggregate, distinct, ordered, limit, offset);
        }
        else if (!aggregate && !ordered && !distinct && limit is null && offset == 0)
        {
            return new CrossShardPlan { Mode = CrossShardMode.Concatenate, ShardSql = _sql, TargetCount = _targets.Count, StarTarget = StarTarget() };
        }

        int stars = _targets.Count(t => t.IsStar);
        if (stars > 1 || (aggregate && stars > 0))
        {
            throw CrossShardRefusal.Create(
                aggregate ? "* in the select list of an aggregate read" : "several * in one select list",
                "the merge must know which column each select-list item is");
        }

        var targetTexts = _targets.Select(t => _sql[t.Start..t.End]).ToList();
        if (aggregate)
        {
            ReadGroupKeys();
            ReadTargetAggregates(targetTexts);
        }

        var order = _order = ReadOrder(aggregate);
        var having = aggregate && PgJson.TryGet(_select, "havingClause", out var havingNode) ? Predicate(havingNode) : null;
        if (_page is { } page)
        {
            // One row past the page: it proves the page does not end inside a run of equal sort keys (see CrossShardPage).
            limit = page.Size + 1L;
        }

        long? shardLimit = aggregate || limit is null ? null : checked(limit.Value + offset);
        return new CrossShardPlan
        {
            Mode = aggregate ? CrossShardMode.Aggregate : CrossShardMode.Merge,
            ShardSql = ShardSql(targetTexts, aggregate, distinct, shardLimit),
            TargetCount = _targets.Count,
            StarTarget = StarTarget(),
            HiddenCount = _hidden.Count,
            Order = order,
            GroupKeys = [.. _groupKeys.Select(g => g.Column)],
            Aggregates = [.. _aggregates],
            Having = having,
            Distinct = distinct,
            Limit = limit,
            Offset = offset,
            ShardLimit = shardLimit,
        };
    }

    /// <summary>The shard key column when FROM is one sharded table, else null.</summary>
    private string? OnlyTableKey() =>
        PgJson.Items(_select, "fromClause").ToArray() is [var only] && PgJson.IsNode(only, "RangeVar", out var range) && _sharded is not null
        && _sharded.TryGetKeyColumn(PgJson.String(range, "schemaname"), PgJson.String(range, "relname") ?? "", out var key)
            ? key
            : null;

    private int StarTarget() => _targets.FindIndex(t => t.IsStar);

    private void CheckTopLevel()
    {
        if (PgJson.TryGet(_select, "larg", out _) || (PgJson.String(_select, "op") is { } op && op != "SETOP_NONE"))
        {
            throw CrossShardRefusal.Create("a set operation (UNION, INTERSECT or EXCEPT)", "each side would be combined within each shard alone");
        }

        (string Key, string Construct, string Reason)[] checks =
        [
            ("withClause", "WITH (a common table expression)", "the CTE would be evaluated on each shard's rows alone"),
            ("windowClause", "a WINDOW clause", "a window needs every row of its partition at once, and the partition spans shards"),
            ("lockingClause", "FOR UPDATE / FOR SHARE", "DataTier does not lock rows on every shard"),
            ("intoClause", "SELECT INTO", "it creates a table"),
            ("valuesLists", "VALUES", "it reads no sharded table"),
        ];
        foreach (var (key, construct, reason) in checks)
        {
            if (PgJson.TryGet(_select, key, out _))
            {
                throw CrossShardRefusal.Create(construct, reason);
            }
        }

        CrossShardColocation.Check(_select, _sharded);

        var distinct = PgJson.Items(_select, "distinctClause").ToArray();
        if (distinct.Length > 1 || (distinct.Length == 1 && distinct[0].EnumerateObject().Any()))
        {
            throw CrossShardRefusal.Create("DISTINCT ON", "DataTier merges plain DISTINCT only");
        }

        if (PgJson.String(_select, "limitOption") == "LIMIT_OPTION_WITH_TIES")
        {
            throw CrossShardRefusal.Create("FETCH FIRST ... WITH TIES", "DataTier merges plain LIMIT and FETCH FIRST only");
        }
    }

    private void FindClauses()
    {
        _selectToken = _tokens.FindIndex(t => t.Depth == 0 && t.Kind != SqlClauseTokenKind.Close);
        if (_selectToken < 0 || !_tokens[_selectToken].IsWord(_sql, "select"))
        {
            throw CrossShardRefusal.Create("a SELECT in parentheses", "DataTier plans a plain SELECT");
        }

        _targetsStart = _selectToken + 1;
        if (_targetsStart < _tokens.Count && (_tokens[_targetsStart].IsWord(_sql, "distinct") || _tokens[_targetsStart].IsWord(_sql, "all")))
        {
            _targetsStart++;
        }

        _targetsEnd = _tokens.Count;
        for (int i = _targetsStart; i < _tokens.Count; i++)
        {
            var token = _tokens[i];
            if (token.Depth != 0 || token.Kind != SqlClauseTokenKind.Word)
            {
                continue;
            }

            string word = token.Text(_sql).ToString().ToLowerInvariant();
            if (Array.IndexOf(ClauseWords, word) < 0 || _clauses.ContainsKey(word)
                || (word == "from" && _tokens[i - 1].IsWord(_sql, "distinct"))
                || (word == "group" && _tokens[i - 1].IsWord(_sql, "within")))
            {
                continue;
            }

            _clauses[word] = i;
            _targetsEnd = Math.Min(_targetsEnd, i);
        }
    }

    private void ReadTargets()
    {
        var items = SplitItems(_targetsStart, _targetsEnd);
        var nodes = PgJson.Items(_select, "targetList").ToArray();
        if (items.Count != nodes.Length)
        {
            throw CrossShardRefusal.Create("this select list", $"DataTier read {items.Count} items in its text and the parser {nodes.Length}");
        }

        for (int i = 0; i < nodes.Length; i++)
        {
            PgJson.IsNode(nodes[i], "ResTarget", out var target);
            var value = target.GetProperty("val");
            bool star = PgJson.IsNode(value, "ColumnRef", out var columnRef) && PgJson.Items(columnRef, "fields").Any(f => PgJson.IsNode(f, "A_Star", out _));
            _targets.Add(new Target(value, PgJson.String(target, "name"), items[i].Start, items[i].End, items[i].FirstToken, items[i].EndToken, star, CrossShardNodeKey.Of(value), AggregateName(value)));
        }
    }

    /// <summary>The name of a mergeable aggregate call, or null for any other expression.</summary>
    private static string? AggregateName(JsonElement node) =>
        PgJson.IsNode(node, "FuncCall", out var call) && FunctionName(call) is { } name && CrossShardFunctions.Mergeable.ContainsKey(name)
            ? name
            : null;

    private static string? FunctionName(JsonElement call)
    {
        var parts = PgJson.Items(call, "funcname").Select(PgJson.StringNode).ToArray();
        return parts switch
        {
            [var name] => name,
            ["pg_catalog", var name] => name,
            _ => null,
        };
    }

    private long? ReadLimit(string key, string clause)
    {
        if (!PgJson.TryGet(_select, key, out var node))
        {
            return null;
        }

        if (PgJson.IsNode(node, "A_Const", out var constant) && PgJson.TryReadConstant(constant, _input, out string? text, out bool isNull))
        {
            if (isNull)
            {
                return null;
            }

            if (PgJson.TryGet(constant, "ival", out _) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value) && value >= 0)
            {
                return value;
            }
        }

        throw CrossShardRefusal.Create($"a {clause} that is not a non-negative integer constant", $"the merge applies the {clause} itself and must know it when it plans");
    }

    private string ShardSql(List<string> targetTexts, bool aggregate, bool distinct, long? shardLimit)
    {
        var sql = new StringBuilder(_sql.Length + 64);
        sql.Append(_sql, 0, _tokens[_selectToken].End);
        if (distinct && !aggregate)
        {
            sql.Append(" DISTINCT");
        }

        sql.Append(' ').AppendJoin(", ", targetTexts);
        for (int i = 0; i < _hidden.Count; i++)
        {
            sql.Append(", ").Append(_hidden[i]).Append(" AS ").Append(HiddenPrefix).Append(i.ToString(CultureInfo.InvariantCulture));
        }

        int tailStart = _targetsEnd < _tokens.Count ? _tokens[_targetsEnd].Start : _sql.Length;
        int bodyEnd = aggregate ? FirstClause("having", "window", "order", "limit", "offset", "fetch") : FirstClause("order", "limit", "offset", "fetch");
        if (_page is { After: not null })
        {
            AppendPageBody(sql, tailStart, bodyEnd);
        }
        else
        {
            sql.Append(' ').Append(_sql.AsSpan(tailStart, CharStart(bodyEnd) - tailStart).TrimEnd());
        }

        if (!aggregate && _clauses.TryGetValue("order", out int orderToken))
        {
            int orderEnd = ClauseEnd(orderToken);
            // A new line, not a space: the body may end in a -- comment.
            sql.Append('\n').Append(_sql.AsSpan(_tokens[orderToken].Start, _tokens[orderEnd - 1].End - _tokens[orderToken].Start));
        }

        if (shardLimit is { } limit)
        {
            sql.Append("\nLIMIT ").Append(limit.ToString(CultureInfo.InvariantCulture));
        }

        return sql.ToString();
    }

    private int FirstClause(params string[] words)
    {
        int first = _tokens.Count;
        foreach (string word in words)
        {
            if (_clauses.TryGetValue(word, out int index))
            {
                first = Math.Min(first, index);
            }
        }

        return first;
    }

    /// <summary>The token after the clause starting at <paramref name="clauseToken"/>: the next clause keyword, or the end.</summary>
    private int ClauseEnd(int clauseToken)
    {
        int end = _tokens.Count;
        foreach (int index in _clauses.Values)
        {
            if (index > clauseToken)
            {
                end = Math.Min(end, index);
            }
        }

        return end;
    }

    private int CharStart(int token) => token < _tokens.Count ? _tokens[token].Start : _sql.Length;

    /// <summary>The items of a comma-separated list at depth 0 between two tokens, as character spans.</summary>
    private List<(int Start, int End, int FirstToken, int EndToken)> SplitItems(int from, int to)
    {
        var items = new List<(int, int, int, int)>();
        int first = from;
        for (int i = from; i <= to; i++)
        {
            if (i == to || (_tokens[i].Kind == SqlClauseTokenKind.Comma && _tokens[i].Depth == 0))
            {
                if (i > first)
                {
                    items.Add((_tokens[first].Start, _tokens[i - 1].End, first, i));
                }

                first = i + 1;
            }
        }

        return items;
    }

    /// <summary>The items of the list after a two-word clause keyword (GROUP BY, ORDER BY).</summary>
    private List<(int Start, int End, int FirstToken, int EndToken)> ClauseItems(string clause)
    {
        int start = _clauses[clause];
        return SplitItems(start + 2, ClauseEnd(start));
    }
}
