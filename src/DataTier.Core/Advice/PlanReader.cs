using System.Text.Json;
using System.Text.RegularExpressions;

namespace DataTier.Core.Advice;

/// <summary>
/// Reads an <c>EXPLAIN (FORMAT JSON, VERBOSE)</c> plan into <see cref="PlanFacts"/>: per user table, the columns its
/// filters compare for equality or range, the columns it is joined on, and the sort columns. VERBOSE qualifies every
/// column with its range-table alias, which is what lets a condition be tied to its table.
/// </summary>
public static partial class PlanReader
{
    private static readonly string[] ConditionFields = ["Filter", "Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond", "Join Filter"];

    /// <summary>Reads the plan text PostgreSQL returned.</summary>
    public static PlanFacts Read(string planJson)
    {
        using var document = JsonDocument.Parse(planJson);
        var root = document.RootElement[0].GetProperty("Plan");
        var aliases = new Dictionary<string, TableAccess>(StringComparer.Ordinal);
        CollectRelations(root, aliases);
        Walk(root, aliases, null);
        var tables = aliases.Values.Distinct().ToList();
        return new PlanFacts(root.GetProperty("Total Cost").GetDouble(), tables, HasNode(root, "Index Only Scan"));
    }

    private static bool HasNode(JsonElement node, string type) =>
        node.GetProperty("Node Type").GetString() == type
        || (node.TryGetProperty("Plans", out var children) && children.EnumerateArray().Any(c => HasNode(c, type)));

    private static void CollectRelations(JsonElement node, Dictionary<string, TableAccess> aliases)
    {
        if (node.TryGetProperty("Relation Name", out var relation))
        {
            string schema = node.TryGetProperty("Schema", out var s) ? s.GetString()! : "public";
            string alias = node.TryGetProperty("Alias", out var a) ? a.GetString()! : relation.GetString()!;
            if (schema is not "pg_catalog" and not "information_schema" && !schema.StartsWith("pg_", StringComparison.Ordinal))
            {
                // Two aliases of one table (a self-join) share one record: an index serves both.
                var existing = aliases.Values.FirstOrDefault(t => t.Schema == schema && t.Table == relation.GetString());
                aliases[alias] = existing ?? new TableAccess(schema, relation.GetString()!);
            }
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                CollectRelations(child, aliases);
            }
        }
    }

    private static void Walk(JsonElement node, Dictionary<string, TableAccess> aliases, JsonElement? parent)
    {
        string type = node.GetProperty("Node Type").GetString()!;
        if (type == "Seq Scan" && node.TryGetProperty("Alias", out var scanned) && aliases.TryGetValue(scanned.GetString()!, out var seq))
        {
            seq.SequentialScan = true;
        }

        if (node.TryGetProperty("Relation Name", out _) && node.TryGetProperty("Alias", out var alias) && aliases.TryGetValue(alias.GetString()!, out var read)
            && node.TryGetProperty("Output", out var outputs) && outputs.ValueKind == JsonValueKind.Array)
        {
            // Under another node the scan may return its whole row (the physical tlist, unqualified when the plan has
            // one table): only the columns the parent's output names are what the statement needs of it.
            var needed = parent is { } above && above.TryGetProperty("Output", out var upper) && upper.ValueKind == JsonValueKind.Array
                ? upper.EnumerateArray().SelectMany(o => Identifier().Matches(o.GetString()!).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal)
                : null;
            foreach (var output in outputs.EnumerateArray())
            {
                string text = output.GetString()!;
                var c = ColumnOf(text) ?? (Identifier().Match(text) is { Success: true } bare && bare.Length == text.Length ? (alias.GetString()!, text) : null);
                if (c is { } column && column.Alias == alias.GetString())
                {
                    if (needed is null || needed.Contains(column.Column))
                    {
                        TableAccess.AddOnce(read.Output, column.Column);
                    }
                }
                else
                {
                    read.OutputIsColumns = false;
                }
            }
        }

        foreach (string field in ConditionFields)
        {
            if (node.TryGetProperty(field, out var condition) && condition.ValueKind == JsonValueKind.String)
            {
                foreach (string conjunct in Conjuncts(condition.GetString()!))
                {
                    AddCondition(conjunct, aliases);
                }
            }
        }

        if (node.TryGetProperty("Sort Key", out var keys) && keys.ValueKind == JsonValueKind.Array)
        {
            var columns = keys.EnumerateArray().Select(k => ColumnOf(SortSuffix().Replace(k.GetString()!, ""))).ToList();
            if (columns.Count > 0 && columns.All(c => c is not null && aliases.ContainsKey(c.Value.Alias)))
            {
                var tables = columns.Select(c => aliases[c!.Value.Alias]).Distinct().ToList();
                if (tables.Count == 1)
                {
                    foreach (var c in columns)
                    {
                        TableAccess.AddOnce(tables[0].Sort, c!.Value.Column);
                    }
                }
            }
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            foreach (var child in children.EnumerateArray())
            {
                Walk(child, aliases, node);
            }
        }
    }

    private static void AddCondition(string conjunct, Dictionary<string, TableAccess> aliases)
    {
        var m = Comparison().Match(conjunct);
        if (!m.Success)
        {
            return;
        }

        string op = m.Groups["op"].Value;
        var left = ColumnOf(m.Groups["left"].Value);
        string rightText = m.Groups["right"].Value.Trim();
        var right = ColumnOf(rightText);
        if (left is null && op == "=" && CaseFolded().Match(m.Groups["left"].Value.Trim()) is { Success: true } fold
            && aliases.TryGetValue(fold.Groups["alias"].Value, out var folded) && IsConstant(rightText))
        {
            // lower(col) = $1: only an index on the expression itself serves it.
            TableAccess.AddOnce(folded.Expressions, $"{fold.Groups["fn"].Value}({fold.Groups["column"].Value})");
            return;
        }

        if (left is null && right is not null && op is not "IS")
        {
            // A constant on the left: mirror the comparison.
            (left, right) = (right, null);
            rightText = m.Groups["left"].Value;
            op = op switch { "<" => ">", ">" => "<", "<=" => ">=", ">=" => "<=", _ => op };
        }

        if (left is not { } l || !aliases.TryGetValue(l.Alias, out var table))
        {
            return;
        }

        if (right is { } r)
        {
            if (op == "=" && aliases.TryGetValue(r.Alias, out var other) && !ReferenceEquals(other, table))
            {
                TableAccess.AddOnce(table.Join, l.Column);
                TableAccess.AddOnce(other.Join, r.Column);
            }

            return;
        }

        if (!IsConstant(rightText))
        {
            return;
        }

        if (op is "=" or "~~" && BareParameter().Match(rightText) is { Success: true } parameter)
        {
            var entry = (l.Column, op, int.Parse(parameter.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            if (!table.Parameters.Contains(entry))
            {
                table.Parameters.Add(entry);
            }
        }

        if (op == "=" && Literal().IsMatch(rightText))
        {
            // A literal the statement carries (not a parameter): the predicate of a partial index.
            TableAccess.AddOnce(table.Constants, $"{CandidateIndex.Quote(l.Column)} = {rightText}");
        }

        switch (op)
        {
            case "~~":
                if (rightText.StartsWith('$') || PrefixPattern().IsMatch(rightText))
                {
                    TableAccess.AddOnce(table.Prefix, l.Column);
                }

                break;
            case "=":
            case "IS":
                TableAccess.AddOnce(table.Equality, l.Column);
                break;
            case "<":
            case ">":
            case "<=":
            case ">=":
                TableAccess.AddOnce(table.Range, l.Column);
                break;
        }
    }

    /// <summary>Whether a literal (<c>'abc%'::text</c>) is a pattern a b-tree can serve: a fixed prefix, then <c>%</c>.</summary>
    internal static bool IsPrefixPattern(string literal) => PrefixPattern().IsMatch(literal);

    // Parameters, literals, casts of them and ANY(...) of them: nothing that names another column.
    private static bool IsConstant(string text) => !QualifiedColumn().IsMatch(StringLiteral().Replace(text, "''"));

    /// <summary>The top-level AND-ed parts of a condition; a condition with a top-level OR yields nothing.</summary>
    public static IReadOnlyList<string> Conjuncts(string condition)
    {
        string text = StripOuterParentheses(condition.Trim());
        var parts = SplitTopLevel(text, " AND ");
        if (parts.Count == 1 && SplitTopLevel(text, " OR ").Count > 1)
        {
            return [];
        }

        return parts.Select(p => StripOuterParentheses(p.Trim())).ToList();
    }

    private static List<string> SplitTopLevel(string text, string separator)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')')
            {
                depth--;
            }
            else if (!quoted && depth == 0 && string.CompareOrdinal(text, i, separator, 0, separator.Length) == 0)
            {
                parts.Add(text[start..i]);
                start = i + separator.Length;
                i += separator.Length - 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }

    private static string StripOuterParentheses(string text)
    {
        while (text.Length >= 2 && text[0] == '(' && text[^1] == ')' && ClosingOf(text, 0) == text.Length - 1)
        {
            text = text[1..^1].Trim();
        }

        return text;
    }

    private static int ClosingOf(string text, int open)
    {
        int depth = 0;
        bool quoted = false;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '\'')
            {
                quoted = !quoted;
            }
            else if (!quoted && text[i] == '(')
            {
                depth++;
            }
            else if (!quoted && text[i] == ')' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static (string Alias, string Column)? ColumnOf(string text)
    {
        var m = ColumnReference().Match(text.Trim());
        return m.Success ? (m.Groups["alias"].Value, m.Groups["column"].Value) : null;
    }

    // "a.col", "(a.col)::text", "((a.col)::text)" — a plain column reference, possibly cast.
    [GeneratedRegex("""^\(*(?<alias>[a-z_][a-z0-9_$]*|"[^"]+")\.(?<column>[a-z_][a-z0-9_$]*|"[^"]+")\)*(?:::[a-z_ ]+(?:\[\])?\)*)*$""")]
    private static partial Regex ColumnReference();

    [GeneratedRegex("""^(?<left>.+?)\s+(?<op>=|<=|>=|<|>|IS|~~)\s+(?<right>.+)$""")]
    private static partial Regex Comparison();

    // "lower(a.col)", "lower((a.col)::text)".
    [GeneratedRegex("""^\(*(?<fn>lower|upper)\(\(*(?<alias>[a-z_][a-z0-9_$]*)\.(?<column>[a-z_][a-z0-9_$]*)\)*(?:::[a-z_ ]+)?\)\)*$""")]
    private static partial Regex CaseFolded();

    // 'open'::text, 'open'::character varying: a literal, not a parameter.
    [GeneratedRegex("""^\(*'(?:[^']|'')*'(?:::[a-z_ ]+)?\)*$""")]
    private static partial Regex Literal();

    [GeneratedRegex("""[a-z_][a-z0-9_$]*""")]
    private static partial Regex Identifier();

    // $2, ($2)::text.
    [GeneratedRegex("""^\(*\$(\d+)\)*(?:::[a-z_ ]+)?\)*$""")]
    private static partial Regex BareParameter();

    // 'abc%'::text: a fixed prefix, then a wildcard; a b-tree can serve it.
    [GeneratedRegex("""^\(*'[^%_'\\]+%'(?:::[a-z_ ]+)?\)*$""")]
    private static partial Regex PrefixPattern();

    [GeneratedRegex("""[a-z_][a-z0-9_$]*\.[a-z_][a-z0-9_$]*""")]
    private static partial Regex QualifiedColumn();

    [GeneratedRegex("""'(?:[^']|'')*'""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex("""\s+(?:DESC|ASC|NULLS FIRST|NULLS LAST|USING \S+)(?:\s+(?:NULLS FIRST|NULLS LAST))?$""")]
    private static partial Regex SortSuffix();
}
