using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// One pass over a statement's parse tree collecting the tables it names (with their roles), the functions it calls,
/// whether it locks rows or writes in a CTE, and the shard-key restriction of every sharded table it names.
/// </summary>
/// <remarks>
/// <para>
/// Every query level (a SELECT with a FROM list, an UPDATE, a DELETE, an INSERT, a MERGE) is a <see cref="Scope"/>: its
/// FROM items are entries, and its WHERE (and inner-join ON conditions) restrict them. A scope is resolved before the
/// subqueries inside it are visited, so a correlated subquery can borrow its outer table's restriction through a key
/// equality (<c>c.team_id = t.team_id</c>). CTE names are tracked as PostgreSQL scopes them: a non-recursive CTE sees the
/// CTEs before it, a recursive WITH sees all of them, and only an unqualified name can refer to a CTE.
/// </para>
/// <para>
/// Anything that is not a query (DDL, utility statements) is walked generically: every RangeVar it contains is a table
/// it writes, and a sharded one is unrestricted. The recursion is guarded by <see cref="RuntimeHelpers.EnsureSufficientExecutionStack"/>;
/// <see cref="PgSqlAnalyzer"/> turns the exception into SQLSTATE 54001.
/// </para>
/// </remarks>
internal sealed partial class PgStatementWalker
{
    private readonly ShardedTableLookup _sharded;
    private readonly PgQueryInput _input;
    private readonly List<PgTableReference> _tables = [];
    private readonly HashSet<PgTableReference> _seenTables = [];
    private readonly List<string> _functions = [];
    private readonly List<TableEntry> _shardedEntries = [];

    public PgStatementWalker(ShardedTableLookup sharded, PgQueryInput input)
    {
        _sharded = sharded;
        _input = input;
    }

    /// <summary>A SELECT ... FOR UPDATE/NO KEY UPDATE/SHARE/KEY SHARE anywhere in the statement.</summary>
    public bool LocksRows { get; private set; }

    /// <summary>An INSERT, UPDATE, DELETE or MERGE below the top of the statement (a data-modifying CTE, or COPY (DML) TO).</summary>
    public bool HasNestedWrite { get; private set; }

    /// <summary>A SELECT ... INTO at the top.</summary>
    public bool IsSelectInto { get; private set; }

    /// <summary>An UPDATE SET, ON CONFLICT DO UPDATE SET or MERGE UPDATE SET assigns a sharded target's key column.</summary>
    public bool WritesShardKey { get; private set; }

    public ImmutableArray<PgTableReference> Tables => [.. _tables];

    public ImmutableArray<string> Functions => [.. _functions];

    /// <summary>Walks a top-level query (SELECT, INSERT, UPDATE, DELETE, MERGE) given as its node body.</summary>
    public void WalkQuery(string type, JsonElement body)
    {
        switch (type)
        {
            case "SelectStmt":
                IsSelectInto = PgJson.TryGet(body, "intoClause", out _);
                VisitSelect(body, null, null);
                break;
            case "InsertStmt":
                VisitInsert(body, null, null);
                break;
            case "UpdateStmt":
                VisitUpdate(body, null, null);
                break;
            case "DeleteStmt":
                VisitDelete(body, null, null);
                break;
            case "MergeStmt":
                VisitMerge(body, null, null);
                break;
            default:
                Walk(body, PgTableRole.Written);
                break;
        }
    }

    /// <summary>Walks any other node: its RangeVars get <paramref name="role"/>, queries inside it are walked as queries.</summary>
    public void Walk(JsonElement element, PgTableRole role) => Visit(element, null, null, role);

    /// <summary>Adds a table named outside any query (a DDL target, a COPY table); a sharded one is unrestricted.</summary>
    public void AddTable(string? schema, string name, PgTableRole role) => AddEntry(schema, name, alias: null, role, scope: null);

    public ShardKeyAnalysis BuildShardKeys()
    {
        if (_shardedEntries.Count == 0)
        {
            return ShardKeyAnalysis.None;
        }

        var restrictions = ImmutableArray.CreateBuilder<ShardKeyRestriction>();
        var unrestricted = ImmutableArray.CreateBuilder<PgTableReference>();
        foreach (IGrouping<(string? Schema, string Name), TableEntry> table in _shardedEntries.GroupBy(static e => (e.Schema, e.Name)))
        {
            TableEntry first = table.First();
            var reference = new PgTableReference(first.Schema, first.Name, first.Role);
            ImmutableArray<ShardKeyValue> values = [.. table.Where(static e => e.Values is not null).SelectMany(static e => e.Values!).Distinct()];
            if (table.Any(static e => e.Values is not null))
            {
                restrictions.Add(new ShardKeyRestriction(reference, first.KeyColumn!, values));
            }

            if (table.Any(static e => e.Values is null))
            {
                unrestricted.Add(reference);
            }
        }

        return ShardKeyAnalysis.Create(restrictions.ToImmutable(), unrestricted.ToImmutable());
    }

    private void Visit(JsonElement element, Scope? scope, CteNames? ctes, PgTableRole role)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                Visit(item, scope, ctes, role);
            }
        }
        else if (element.ValueKind == JsonValueKind.Object)
        {
            if (PgJson.TryGetNode(element, out string type, out JsonElement body))
            {
                VisitNode(type, body, scope, ctes, role);
            }
            else if (PgJson.String(element, "relname") is { } relname)
            {
                // A bare RangeVar (a typed field such as IndexStmt.relation or IntoClause.rel).
                AddEntry(PgJson.String(element, "schemaname"), relname, alias: null, role, scope: null);
            }
            else
            {
                VisitChildren(element, scope, ctes, role);
            }
        }
    }

    private void VisitNode(string type, JsonElement body, Scope? scope, CteNames? ctes, PgTableRole role)
    {
        switch (type)
        {
            case "SelectStmt":
                VisitSelect(body, scope, ctes);
                break;
            case "InsertStmt":
                HasNestedWrite = true;
                VisitInsert(body, scope, ctes);
                break;
            case "UpdateStmt":
                HasNestedWrite = true;
                VisitUpdate(body, scope, ctes);
                break;
            case "DeleteStmt":
                HasNestedWrite = true;
                VisitDelete(body, scope, ctes);
                break;
            case "MergeStmt":
                HasNestedWrite = true;
                VisitMerge(body, scope, ctes);
                break;
            case "RangeVar":
                if (PgJson.String(body, "relname") is { } relname)
                {
                    AddEntry(PgJson.String(body, "schemaname"), relname, alias: null, role, scope: null);
                }

                break;
            case "LockingClause":
                // lockedRels names FROM items ("FOR UPDATE OF t"), not tables, so it is not walked.
                LocksRows = true;
                break;
            case "FuncCall":
                if (PgJson.DottedName(body, "funcname") is { } name && !_functions.Contains(name))
                {
                    _functions.Add(name);
                }

                VisitChildren(body, scope, ctes, role);
                break;
            case "A_Const" or "ParamRef" or "ColumnRef" or "String" or "TypeName":
                break;
            default:
                VisitChildren(body, scope, ctes, role);
                break;
        }
    }

    private void VisitChildren(JsonElement body, Scope? scope, CteNames? ctes, PgTableRole role)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (JsonProperty property in body.EnumerateObject())
        {
            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                Visit(property.Value, scope, ctes, role);
            }
        }
    }

    /// <summary>Visits the properties of a query body except the ones its caller has already handled.</summary>
    private void VisitChildrenExcept(JsonElement body, Scope? scope, CteNames? ctes, params ReadOnlySpan<string> handled)
    {
        foreach (JsonProperty property in body.EnumerateObject())
        {
            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array && !IsHandled(property.Name, handled))
            {
                Visit(property.Value, scope, ctes, PgTableRole.Read);
            }
        }

        static bool IsHandled(string name, ReadOnlySpan<string> handled)
        {
            foreach (string h in handled)
            {
                if (h == name)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Visits a WITH clause's CTE bodies and returns the CTE names visible to the statement's main body.</summary>
    private CteNames? VisitWith(JsonElement body, Scope? scope, CteNames? ctes)
    {
        if (!PgJson.TryGet(body, "withClause", out JsonElement with))
        {
            return ctes;
        }

        var definitions = new List<(string Name, JsonElement Query)>();
        foreach (JsonElement item in PgJson.Items(with, "ctes"))
        {
            if (PgJson.IsNode(item, "CommonTableExpr", out JsonElement cte) && PgJson.String(cte, "ctename") is { } name)
            {
                definitions.Add((name, PgJson.TryGet(cte, "ctequery", out JsonElement query) ? query : default));
            }
        }

        if (PgJson.Bool(with, "recursive"))
        {
            CteNames? all = ctes;
            foreach ((string name, _) in definitions)
            {
                all = new CteNames(name, all);
            }

            foreach ((_, JsonElement query) in definitions)
            {
                Visit(query, scope, all, PgTableRole.Read);
            }

            return all;
        }

        CteNames? visible = ctes;
        foreach ((string name, JsonElement query) in definitions)
        {
            Visit(query, scope, visible, PgTableRole.Read);
            visible = new CteNames(name, visible);
        }

        return visible;
    }

    /// <summary>Records a table reference; a sharded one becomes an entry whose restriction the scope resolves (or none, when outside a query).</summary>
    private TableEntry AddEntry(string? schema, string name, string? alias, PgTableRole role, Scope? scope)
    {
        var reference = new PgTableReference(schema, name, role);
        if (_seenTables.Add(reference))
        {
            _tables.Add(reference);
        }

        string? keyColumn = _sharded.TryGetKeyColumn(schema, name, out string key) ? key : null;
        var entry = new TableEntry(schema, name, alias, role, keyColumn, scope);
        scope?.Tables.Add(entry);
        if (keyColumn is not null)
        {
            _shardedEntries.Add(entry);
        }

        return entry;
    }
}
