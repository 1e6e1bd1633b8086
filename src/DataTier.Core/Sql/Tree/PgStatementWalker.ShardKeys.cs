using System.Runtime.CompilerServices;
using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

internal sealed partial class PgStatementWalker
{
    /// <summary>Restricts the scope's sharded entries from its predicates, then spreads restrictions along key equalities.</summary>
    private void Resolve(Scope scope)
    {
        var equalities = new List<(TableEntry A, TableEntry B)>[scope.Predicates.Count];
        for (int i = 0; i < scope.Predicates.Count; i++)
        {
            equalities[i] = [];
            AddKeyEqualities(scope.Predicates[i].Expression, scope, equalities[i]);
        }

        foreach (TableEntry entry in scope.Tables)
        {
            if (entry.KeyColumn is null || entry.Values is not null)
            {
                continue;
            }

            for (int i = 0; i < scope.Predicates.Count; i++)
            {
                Predicate predicate = scope.Predicates[i];
                if (predicate.Restricts(entry) && RestrictWithin(predicate.Expression, entry, scope, equalities[i]) is { } values)
                {
                    entry.Values = values;
                    break;
                }
            }
        }

        // Across predicates and scopes: an equality with an entry restricted elsewhere (another ON, the WHERE, an outer query).
        for (int i = 0; i < scope.Predicates.Count; i++)
        {
            Predicate predicate = scope.Predicates[i];
            foreach ((TableEntry a, TableEntry b) in equalities[i])
            {
                // Only entries of this scope are bounded by its predicates; an outer table only lends its values (correlation).
                if (b.Scope == scope && predicate.Restricts(b))
                {
                    scope.Edges.Add((a, b));
                }

                if (a.Scope == scope && predicate.Restricts(a))
                {
                    scope.Edges.Add((b, a));
                }
            }
        }

        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach ((TableEntry from, TableEntry to) in scope.Edges)
            {
                if (to.Values is null && from.Values is not null)
                {
                    to.Values = [.. from.Values];
                    changed = true;
                }
            }
        }
    }

    /// <summary>
    /// The entry's restriction from one predicate: directly, or through the predicate's own key equalities
    /// (<c>ON c.team_id = t.team_id AND t.team_id = 'a'</c> bounds c to 'a' even where t itself is not bounded).
    /// </summary>
    private List<ShardKeyValue>? RestrictWithin(JsonElement expression, TableEntry entry, Scope scope, List<(TableEntry A, TableEntry B)> equalities)
    {
        if (Restrict(expression, entry, scope) is { } direct)
        {
            return direct;
        }

        var reached = new HashSet<TableEntry> { entry };
        var pending = new Queue<TableEntry>([entry]);
        while (pending.TryDequeue(out TableEntry? current))
        {
            foreach ((TableEntry a, TableEntry b) in equalities)
            {
                TableEntry? other = a == current ? b : b == current ? a : null;
                if (other is null || !reached.Add(other))
                {
                    continue;
                }

                if (Restrict(expression, other, scope) is { } values)
                {
                    return values;
                }

                pending.Enqueue(other);
            }
        }

        return null;
    }

    /// <summary>
    /// The key values <paramref name="expression"/> restricts <paramref name="entry"/> to, or null when it does not restrict it.
    /// AND: the first conjunct that restricts (any one bounds the rows). OR: the union, when every branch restricts.
    /// </summary>
    private List<ShardKeyValue>? Restrict(JsonElement expression, TableEntry entry, Scope scope)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (!PgJson.TryGetNode(expression, out string type, out JsonElement body))
        {
            return null;
        }

        switch (type)
        {
            case "BoolExpr":
                string? op = PgJson.String(body, "boolop");
                if (op == "AND_EXPR")
                {
                    foreach (JsonElement argument in PgJson.Items(body, "args"))
                    {
                        if (Restrict(argument, entry, scope) is { } values)
                        {
                            return values;
                        }
                    }

                    return null;
                }

                if (op == "OR_EXPR")
                {
                    var union = new List<ShardKeyValue>();
                    foreach (JsonElement argument in PgJson.Items(body, "args"))
                    {
                        if (Restrict(argument, entry, scope) is not { } values)
                        {
                            return null;
                        }

                        union.AddRange(values);
                    }

                    return union.Count == 0 ? null : [.. union.Distinct()];
                }

                return null;

            case "A_Expr" when PgJson.DottedName(body, "name") == "=":
                return RestrictByEquality(body, entry, scope);

            case "NullTest" when (PgJson.String(body, "nulltesttype") ?? "IS_NULL") == "IS_NULL":
                return PgJson.TryGet(body, "arg", out JsonElement argumentOfTest) && IsKeyReference(argumentOfTest, entry, scope)
                    ? [ShardKeyValue.Null]
                    : null;

            default:
                return null;
        }
    }

    private List<ShardKeyValue>? RestrictByEquality(JsonElement body, TableEntry entry, Scope scope)
    {
        if (!PgJson.TryGet(body, "lexpr", out JsonElement left) || !PgJson.TryGet(body, "rexpr", out JsonElement right))
        {
            return null;
        }

        switch (PgJson.String(body, "kind") ?? "AEXPR_OP")
        {
            case "AEXPR_OP":
                if (IsKeyReference(left, entry, scope))
                {
                    return ReadValue(right) is { } value ? [value] : null;
                }

                if (IsKeyReference(right, entry, scope))
                {
                    return ReadValue(left) is { } value ? [value] : null;
                }

                return null;

            case "AEXPR_IN" when IsKeyReference(left, entry, scope) && PgJson.IsNode(right, "List", out JsonElement list):
                return ReadValues(PgJson.Items(list, "items"));

            case "AEXPR_OP_ANY" when IsKeyReference(left, entry, scope):
                JsonElement array = StripCasts(right);
                if (PgJson.IsNode(array, "ParamRef", out JsonElement parameter))
                {
                    return [ShardKeyValue.ArrayParameter(PgJson.Int(parameter, "number"))];
                }

                return PgJson.IsNode(array, "A_ArrayExpr", out JsonElement elements) ? ReadValues(PgJson.Items(elements, "elements")) : null;

            default:
                return null;
        }
    }

    private List<ShardKeyValue>? ReadValues(IEnumerable<JsonElement> items)
    {
        var values = new List<ShardKeyValue>();
        foreach (JsonElement item in items)
        {
            if (ReadValue(item) is not { } value)
            {
                return null;
            }

            values.Add(value);
        }

        return values.Count == 0 ? null : [.. values.Distinct()];
    }

    private ShardKeyValue? ReadValue(JsonElement expression) => ReadKeyValue(expression, _input);

    /// <summary>A constant or parameter, under any number of casts (<c>'x'::text</c>, <c>$1::text</c>); null for anything else.</summary>
    internal static ShardKeyValue? ReadKeyValue(JsonElement expression, PgQueryInput input)
    {
        JsonElement value = StripCasts(expression);
        if (PgJson.IsNode(value, "ParamRef", out JsonElement parameter))
        {
            return ShardKeyValue.Parameter(PgJson.Int(parameter, "number"));
        }

        if (PgJson.IsNode(value, "A_Const", out JsonElement constant)
            && PgJson.TryReadConstant(constant, input, out string? text, out bool isNull))
        {
            return isNull ? ShardKeyValue.Null : ShardKeyValue.Constant(text!);
        }

        return null;
    }

    private static JsonElement StripCasts(JsonElement expression)
    {
        while (PgJson.IsNode(expression, "TypeCast", out JsonElement cast) && PgJson.TryGet(cast, "arg", out JsonElement argument))
        {
            expression = argument;
        }

        return expression;
    }

    private bool IsKeyReference(JsonElement expression, TableEntry entry, Scope scope) =>
        PgJson.IsNode(expression, "ColumnRef", out JsonElement column) && ResolveKeyReference(column, scope) == entry;

    /// <summary>
    /// The sharded entry whose key column a column reference names, or null. An unqualified name must be the key column of
    /// exactly one sharded entry of the same scope; a qualified one is looked up by alias (or table name when there is no
    /// alias) from the innermost scope out, stopping at the first FROM item of that name.
    /// </summary>
    private static TableEntry? ResolveKeyReference(JsonElement columnRef, Scope scope)
    {
        var fields = new List<string>();
        foreach (JsonElement field in PgJson.Items(columnRef, "fields"))
        {
            if (PgJson.StringNode(field) is not { } name)
            {
                return null;
            }

            fields.Add(name);
        }

        if (fields.Count == 1)
        {
            TableEntry? only = null;
            foreach (TableEntry entry in scope.Tables)
            {
                if (entry.KeyColumn == fields[0])
                {
                    if (only is not null)
                    {
                        return null;
                    }

                    only = entry;
                }
            }

            return only;
        }

        if (fields.Count < 2)
        {
            return null;
        }

        string column = fields[^1];
        string qualifier = fields[^2];
        string? schema = fields.Count >= 3 ? fields[^3] : null;
        for (Scope? s = scope; s is not null; s = s.Parent)
        {
            foreach (TableEntry entry in s.Tables)
            {
                bool named = schema is null
                    ? entry.ExposedName == qualifier
                    : entry.Alias is null && entry.Name == qualifier && (entry.Schema == schema || (entry.Schema is null && schema == "public"));
                if (named)
                {
                    return entry.KeyColumn == column ? entry : null;
                }
            }

            if (schema is null && s.OtherNames.Contains(qualifier))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>The key-to-key equalities (<c>a.team_id = b.team_id</c>) of a predicate's top-level AND chain.</summary>
    private static void AddKeyEqualities(JsonElement expression, Scope scope, List<(TableEntry A, TableEntry B)> equalities)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (!PgJson.TryGetNode(expression, out string type, out JsonElement body))
        {
            return;
        }

        if (type == "BoolExpr" && PgJson.String(body, "boolop") == "AND_EXPR")
        {
            foreach (JsonElement argument in PgJson.Items(body, "args"))
            {
                AddKeyEqualities(argument, scope, equalities);
            }

            return;
        }

        if (type != "A_Expr" || (PgJson.String(body, "kind") ?? "AEXPR_OP") != "AEXPR_OP" || PgJson.DottedName(body, "name") != "="
            || !PgJson.TryGet(body, "lexpr", out JsonElement left) || !PgJson.TryGet(body, "rexpr", out JsonElement right)
            || !PgJson.IsNode(left, "ColumnRef", out JsonElement leftColumn) || !PgJson.IsNode(right, "ColumnRef", out JsonElement rightColumn))
        {
            return;
        }

        TableEntry? a = ResolveKeyReference(leftColumn, scope);
        TableEntry? b = ResolveKeyReference(rightColumn, scope);
        if (a is not null && b is not null && a != b)
        {
            equalities.Add((a, b));
        }
    }

    /// <summary>The key value of every row of <c>INSERT ... VALUES</c>; Unknown for anything the text does not say.</summary>
    private List<ShardKeyValue> InsertedKeyValues(JsonElement insert, string keyColumn)
    {
        List<string> columns = ColumnNames(insert, "cols");
        if (!PgJson.TryGet(insert, "selectStmt", out JsonElement select)
            || !PgJson.IsNode(select, "SelectStmt", out JsonElement selectBody)
            || !PgJson.TryGet(selectBody, "valuesLists", out _)
            || PgJson.TryGet(selectBody, "withClause", out _))
        {
            // DEFAULT VALUES, INSERT ... SELECT.
            return [ShardKeyValue.Unknown];
        }

        var values = new List<ShardKeyValue>();
        foreach (JsonElement row in PgJson.Items(selectBody, "valuesLists"))
        {
            JsonElement[] items = PgJson.IsNode(row, "List", out JsonElement list) ? [.. PgJson.Items(list, "items")] : [];
            values.Add(InsertedRowKeyValue(columns, items, keyColumn));
        }

        return values.Count == 0 ? [ShardKeyValue.Unknown] : [.. values.Distinct()];
    }

    private ShardKeyValue InsertedRowKeyValue(List<string> columns, JsonElement[] items, string keyColumn)
    {
        // Without a column list the key's position depends on the table's definition, which the text does not give.
        int index = columns.IndexOf(keyColumn);
        return index >= 0 && index < items.Length && ReadValue(items[index]) is { } value ? value : ShardKeyValue.Unknown;
    }
}
