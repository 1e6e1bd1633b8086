using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

internal sealed partial class PgStatementWalker
{
    private void VisitSelect(JsonElement body, Scope? parent, CteNames? ctes)
    {
        ctes = VisitWith(body, parent, ctes);
        string op = PgJson.String(body, "op") ?? "SETOP_NONE";
        if (op != "SETOP_NONE")
        {
            // UNION / INTERSECT / EXCEPT: each arm is a bare SelectStmt, its own query level.
            foreach (string arm in (ReadOnlySpan<string>)["larg", "rarg"])
            {
                if (PgJson.TryGet(body, arm, out JsonElement armBody))
                {
                    VisitSelect(armBody, parent, ctes);
                }
            }

            VisitChildrenExcept(body, parent, ctes, "withClause", "larg", "rarg");
            return;
        }

        var scope = new Scope(parent);
        var deferred = new List<JsonElement>();
        foreach (JsonElement item in PgJson.Items(body, "fromClause"))
        {
            AddFromItem(item, scope, ctes, deferred, subtree: null);
        }

        if (PgJson.TryGet(body, "intoClause", out JsonElement into) && PgJson.TryGet(into, "rel", out JsonElement rel))
        {
            AddRangeVar(rel, scope: null, ctes: null, PgTableRole.Written);
        }

        AddWhere(body, "whereClause", scope);
        Resolve(scope);
        VisitChildrenExcept(body, scope, ctes, "withClause", "fromClause", "intoClause");
        VisitDeferred(deferred, scope, ctes);
    }

    private void VisitInsert(JsonElement body, Scope? parent, CteNames? ctes)
    {
        ctes = VisitWith(body, parent, ctes);
        var scope = new Scope(parent);
        TableEntry? target = PgJson.TryGet(body, "relation", out JsonElement relation)
            ? AddRangeVar(relation, scope, ctes: null, PgTableRole.Written)
            : null;
        if (target?.KeyColumn is { } keyColumn)
        {
            target.Values = InsertedKeyValues(body, keyColumn);
            if (PgJson.TryGet(body, "onConflictClause", out JsonElement onConflict) && AssignsColumn(onConflict, "targetList", keyColumn))
            {
                WritesShardKey = true;
            }
        }

        // The SELECT or VALUES of the INSERT cannot see the target, so it is a query level of its own under the parent.
        if (PgJson.TryGet(body, "selectStmt", out JsonElement select))
        {
            Visit(select, parent, ctes, PgTableRole.Read);
        }

        VisitChildrenExcept(body, scope, ctes, "withClause", "relation", "selectStmt");
    }

    private void VisitUpdate(JsonElement body, Scope? parent, CteNames? ctes)
    {
        ctes = VisitWith(body, parent, ctes);
        var scope = new Scope(parent);
        TableEntry? target = PgJson.TryGet(body, "relation", out JsonElement relation)
            ? AddRangeVar(relation, scope, ctes: null, PgTableRole.Written)
            : null;
        var deferred = new List<JsonElement>();
        foreach (JsonElement item in PgJson.Items(body, "fromClause"))
        {
            AddFromItem(item, scope, ctes, deferred, subtree: null);
        }

        AddWhere(body, "whereClause", scope);
        Resolve(scope);
        if (target?.KeyColumn is { } keyColumn && AssignsColumn(body, "targetList", keyColumn))
        {
            WritesShardKey = true;
        }

        VisitChildrenExcept(body, scope, ctes, "withClause", "relation", "fromClause");
        VisitDeferred(deferred, scope, ctes);
    }

    private void VisitDelete(JsonElement body, Scope? parent, CteNames? ctes)
    {
        ctes = VisitWith(body, parent, ctes);
        var scope = new Scope(parent);
        if (PgJson.TryGet(body, "relation", out JsonElement relation))
        {
            AddRangeVar(relation, scope, ctes: null, PgTableRole.Written);
        }

        var deferred = new List<JsonElement>();
        foreach (JsonElement item in PgJson.Items(body, "usingClause"))
        {
            AddFromItem(item, scope, ctes, deferred, subtree: null);
        }

        AddWhere(body, "whereClause", scope);
        Resolve(scope);
        VisitChildrenExcept(body, scope, ctes, "withClause", "relation", "usingClause");
        VisitDeferred(deferred, scope, ctes);
    }

    private void VisitMerge(JsonElement body, Scope? parent, CteNames? ctes)
    {
        ctes = VisitWith(body, parent, ctes);
        var scope = new Scope(parent);
        TableEntry? target = PgJson.TryGet(body, "relation", out JsonElement relation)
            ? AddRangeVar(relation, scope, ctes: null, PgTableRole.Written)
            : null;
        var deferred = new List<JsonElement>();
        if (PgJson.TryGet(body, "sourceRelation", out JsonElement source))
        {
            AddFromItem(source, scope, ctes, deferred, subtree: null);
        }

        // Every source row is processed (unmatched ones may insert), so the join condition bounds the target's rows only.
        if (target is not null && PgJson.TryGet(body, "joinCondition", out JsonElement join))
        {
            scope.Predicates.Add(new Predicate(join, [target]));
        }

        Resolve(scope);
        if (target?.KeyColumn is { } keyColumn)
        {
            foreach (JsonElement item in PgJson.Items(body, "mergeWhenClauses"))
            {
                if (!PgJson.IsNode(item, "MergeWhenClause", out JsonElement when))
                {
                    continue;
                }

                string? command = PgJson.String(when, "commandType");
                if (command == "CMD_UPDATE" && AssignsColumn(when, "targetList", keyColumn))
                {
                    WritesShardKey = true;
                }
                else if (command == "CMD_INSERT" && target.Values is not null)
                {
                    target.Values.Add(InsertedRowKeyValue(
                        ColumnNames(when, "targetList"), [.. PgJson.Items(when, "values")], keyColumn));
                }
            }

            target.Values = target.Values?.Distinct().ToList();
        }

        VisitChildrenExcept(body, scope, ctes, "withClause", "relation", "sourceRelation");
        VisitDeferred(deferred, scope, ctes);
    }

    /// <summary>
    /// Adds a FROM item's tables to the scope. Join conditions become predicates restricting the tables they bound; whatever
    /// else the item holds (subqueries, function calls, ON conditions' subqueries) is deferred until the scope is resolved.
    /// </summary>
    private void AddFromItem(JsonElement item, Scope scope, CteNames? ctes, List<JsonElement> deferred, List<TableEntry>? subtree)
    {
        if (PgJson.IsNode(item, "RangeVar", out JsonElement rangeVar))
        {
            if (AddRangeVar(rangeVar, scope, ctes, PgTableRole.Read) is { } entry)
            {
                subtree?.Add(entry);
            }

            return;
        }

        if (PgJson.IsNode(item, "JoinExpr", out JsonElement join))
        {
            var left = new List<TableEntry>();
            var right = new List<TableEntry>();
            if (PgJson.TryGet(join, "larg", out JsonElement larg))
            {
                AddFromItem(larg, scope, ctes, deferred, left);
            }

            if (PgJson.TryGet(join, "rarg", out JsonElement rarg))
            {
                AddFromItem(rarg, scope, ctes, deferred, right);
            }

            AddJoin(join, scope, left, right);
            if (PgJson.TryGet(join, "alias", out JsonElement joinAlias) && PgJson.String(joinAlias, "aliasname") is { } aliasName)
            {
                scope.OtherNames.Add(aliasName);
            }

            if (PgJson.TryGet(join, "quals", out JsonElement quals))
            {
                deferred.Add(quals);
            }

            subtree?.AddRange(left);
            subtree?.AddRange(right);
            return;
        }

        if (PgJson.IsNode(item, "RangeTableSample", out JsonElement sample))
        {
            if (PgJson.TryGet(sample, "relation", out JsonElement sampled))
            {
                AddFromItem(sampled, scope, ctes, deferred, subtree);
            }

            foreach (JsonElement argument in PgJson.Items(sample, "args"))
            {
                deferred.Add(argument);
            }

            return;
        }

        // RangeSubselect, RangeFunction, RangeTableFunc: not tables; their alias shadows outer names.
        if (PgJson.TryGetNode(item, out _, out JsonElement other)
            && PgJson.TryGet(other, "alias", out JsonElement alias)
            && PgJson.String(alias, "aliasname") is { } name)
        {
            scope.OtherNames.Add(name);
        }

        deferred.Add(item);
    }

    private void AddJoin(JsonElement join, Scope scope, List<TableEntry> left, List<TableEntry> right)
    {
        string joinType = PgJson.String(join, "jointype") ?? "JOIN_INNER";

        // Which side's rows the ON condition bounds: both for an inner join, only the nullable side of an outer join.
        List<TableEntry>? bounded = joinType switch
        {
            "JOIN_INNER" => [.. left, .. right],
            "JOIN_LEFT" => right,
            "JOIN_RIGHT" => left,
            _ => null,
        };

        if (bounded is null)
        {
            return;
        }

        if (PgJson.TryGet(join, "quals", out JsonElement quals))
        {
            scope.Predicates.Add(new Predicate(quals, bounded));
        }

        // USING (key) and NATURAL joins equate same-named columns, so tables whose key columns share a name are joined on them.
        bool natural = PgJson.Bool(join, "isNatural");
        var usingColumns = PgJson.Items(join, "usingClause").Select(PgJson.StringNode).OfType<string>().ToHashSet();
        if (!natural && usingColumns.Count == 0)
        {
            return;
        }

        foreach (TableEntry l in left.Where(static e => e.KeyColumn is not null))
        {
            foreach (TableEntry r in right.Where(e => e.KeyColumn == l.KeyColumn && (natural || usingColumns.Contains(l.KeyColumn!))))
            {
                if (joinType != "JOIN_RIGHT")
                {
                    scope.Edges.Add((l, r));
                }

                if (joinType != "JOIN_LEFT")
                {
                    scope.Edges.Add((r, l));
                }
            }
        }
    }

    private void VisitDeferred(List<JsonElement> deferred, Scope scope, CteNames? ctes)
    {
        foreach (JsonElement element in deferred)
        {
            Visit(element, scope, ctes, PgTableRole.Read);
        }
    }

    private void AddWhere(JsonElement body, string name, Scope scope)
    {
        if (PgJson.TryGet(body, name, out JsonElement where))
        {
            scope.Predicates.Add(new Predicate(where, null));
        }
    }

    /// <summary>A RangeVar in a query: a CTE reference (unqualified and visible), or a table entry of the scope.</summary>
    private TableEntry? AddRangeVar(JsonElement rangeVar, Scope? scope, CteNames? ctes, PgTableRole role)
    {
        if (PgJson.String(rangeVar, "relname") is not { } name)
        {
            return null;
        }

        string? schema = PgJson.String(rangeVar, "schemaname");
        string? alias = PgJson.TryGet(rangeVar, "alias", out JsonElement aliasNode) ? PgJson.String(aliasNode, "aliasname") : null;
        if (schema is null && CteNames.Contains(ctes, name))
        {
            scope?.OtherNames.Add(alias ?? name);
            return null;
        }

        return AddEntry(schema, name, alias, role, scope);
    }

    private static bool AssignsColumn(JsonElement body, string listName, string column) =>
        PgJson.Items(body, listName).Any(item =>
            PgJson.IsNode(item, "ResTarget", out JsonElement target) && PgJson.String(target, "name") == column);

    private static List<string> ColumnNames(JsonElement body, string listName) =>
        [.. PgJson.Items(body, listName).Select(static item =>
            PgJson.IsNode(item, "ResTarget", out JsonElement target) ? PgJson.String(target, "name") ?? "" : "")];
}
