using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Decides whether a key-less read's join can run on each shard alone: every row the join pairs must live on one
/// shard. That holds when the sharded tables are all joined to one another by equality of their shard keys (the ring
/// places equal keys on one shard), and the unsharded tables, which DataTier treats as reference tables every shard
/// holds in full, never have rows preserved by an outer join against sharded ones (a shard would add them null-extended
/// for a match that lives on another shard).
/// </summary>
/// <remarks>
/// Equalities count when they are conjuncts of a join's ON or of the WHERE clause (never under OR or NOT), or a
/// <c>USING</c> column that is both sides' key. A column is matched to its table by qualifier (alias or table name), or
/// unqualified when exactly one sharded table has a key of that name (PostgreSQL refuses it as ambiguous otherwise).
/// NATURAL joins are not analysed. Anything not proven co-located is refused, never run.
/// </remarks>
internal sealed class CrossShardColocation
{
    private const string NotColocated =
        "rows of different shards would have to be joined; a join runs on every shard only when it equates the shard keys of all its sharded tables (e.g. on a.team_id = b.team_id)";

    private readonly ShardedTableLookup _sharded;
    private readonly List<Relation> _relations = [];
    private readonly Dictionary<string, string> _parent = new(StringComparer.Ordinal);

    private CrossShardColocation(ShardedTableLookup sharded)
    {
        _sharded = sharded;
    }

    private sealed record Relation(string Reference, string? KeyColumn);

    /// <summary>Refuses the join of <paramref name="select"/> unless it is co-located; a FROM of one table passes.</summary>
    /// <exception cref="Errors.DataTierException">A join whose rows may pair across shards (<see cref="CrossShardRefusal"/>).</exception>
    public static void Check(JsonElement select, ShardedTableLookup? sharded)
    {
        var from = PgJson.Items(select, "fromClause").ToArray();
        if (from.Length == 1 && PgJson.IsNode(from[0], "RangeVar", out _))
        {
            return;
        }

        if (sharded is null)
        {
            throw CrossShardRefusal.Create("a join", "the catalog's list of sharded tables could not be read, so DataTier cannot prove the join's rows lie on one shard; retry shortly");
        }

        var check = new CrossShardColocation(sharded);
        foreach (var item in from)
        {
            check.Walk(item);
        }

        if (PgJson.TryGet(select, "whereClause", out var where))
        {
            check.AddEqualities(where);
        }

        var keyed = check._relations.Where(static r => r.KeyColumn is not null).Select(r => check.Find(Node(r.Reference, r.KeyColumn!))).Distinct(StringComparer.Ordinal).Count();
        if (keyed > 1)
        {
            throw CrossShardRefusal.Create("a join", NotColocated);
        }
    }

    /// <summary>Collects the relations of a FROM item; returns whether it holds a sharded table.</summary>
    private bool Walk(JsonElement item)
    {
        if (PgJson.IsNode(item, "RangeVar", out var range))
        {
            string name = PgJson.String(range, "relname") ?? "";
            string reference = PgJson.TryGet(range, "alias", out var alias) && PgJson.String(alias, "aliasname") is { } a ? a : name;
            string? key = _sharded.TryGetKeyColumn(PgJson.String(range, "schemaname"), name, out var column) ? column : null;
            _relations.Add(new Relation(reference, key));
            return key is not null;
        }

        if (!PgJson.IsNode(item, "JoinExpr", out var join))
        {
            // Subqueries and functions in FROM are refused by CrossShardObstacles, with their own names.
            return false;
        }

        if (PgJson.Bool(join, "isNatural"))
        {
            throw CrossShardRefusal.Create("a NATURAL join", "DataTier does not read which columns it equates, so cannot prove its rows lie on one shard; write the join with ON or USING");
        }

        int leftStart = _relations.Count;
        bool left = PgJson.TryGet(join, "larg", out var larg) && Walk(larg);
        int rightStart = _relations.Count;
        bool right = PgJson.TryGet(join, "rarg", out var rarg) && Walk(rarg);
        string type = PgJson.String(join, "jointype") ?? "JOIN_INNER";
        bool preservesUnshardedLeft = type is "JOIN_LEFT" or "JOIN_FULL" && !left && right;
        bool preservesUnshardedRight = type is "JOIN_RIGHT" or "JOIN_FULL" && !right && left;
        if (preservesUnshardedLeft || preservesUnshardedRight)
        {
            throw CrossShardRefusal.Create(
                "an outer join that keeps an unsharded table's rows",
                "every shard holds the unsharded table and would add its unmatched rows, for matches that live on other shards");
        }

        foreach (var column in PgJson.Items(join, "usingClause").Select(PgJson.StringNode))
        {
            var leftKey = _relations.Skip(leftStart).Take(rightStart - leftStart).FirstOrDefault(r => r.KeyColumn == column);
            var rightKey = _relations.Skip(rightStart).FirstOrDefault(r => r.KeyColumn == column);
            if (leftKey is not null && rightKey is not null)
            {
                Union(Node(leftKey.Reference, column!), Node(rightKey.Reference, column!));
            }
        }

        if (PgJson.TryGet(join, "quals", out var quals))
        {
            AddEqualities(quals);
        }

        return left || right;
    }

    private void AddEqualities(JsonElement condition)
    {
        if (PgJson.IsNode(condition, "BoolExpr", out var boolean))
        {
            if (PgJson.String(boolean, "boolop") == "AND_EXPR")
            {
                foreach (var argument in PgJson.Items(boolean, "args"))
                {
                    AddEqualities(argument);
                }
            }

            return;
        }

        if (PgJson.IsNode(condition, "A_Expr", out var expression) && PgJson.String(expression, "kind") == "AEXPR_OP"
            && PgJson.Items(expression, "name").Select(PgJson.StringNode).LastOrDefault() == "="
            && PgJson.TryGet(expression, "lexpr", out var left) && PgJson.TryGet(expression, "rexpr", out var right)
            && Resolve(left) is { } a && Resolve(right) is { } b)
        {
            Union(a, b);
        }
    }

    /// <summary>The node of a column reference naming some relation's column, or null.</summary>
    private string? Resolve(JsonElement value)
    {
        if (!PgJson.IsNode(value, "ColumnRef", out var columnRef))
        {
            return null;
        }

        var fields = PgJson.Items(columnRef, "fields").Select(PgJson.StringNode).ToArray();
        if (fields.Length == 0 || fields.Any(static f => f is null))
        {
            return null;
        }

        string column = fields[^1]!;
        if (fields.Length >= 2)
        {
            string qualifier = fields[^2]!;
            return _relations.Any(r => r.Reference == qualifier) ? Node(qualifier, column) : null;
        }

        var owners = _relations.Where(r => r.KeyColumn == column).ToArray();
        return owners.Length == 1 ? Node(owners[0].Reference, column) : null;
    }

    private static string Node(string reference, string column) => reference + "\u0000" + column;

    private string Find(string node)
    {
        while (_parent.TryGetValue(node, out var parent) && parent != node)
        {
            node = parent;
        }

        return node;
    }

    private void Union(string a, string b)
    {
        string rootA = Find(a);
        string rootB = Find(b);
        if (rootA != rootB)
        {
            _parent[rootA] = rootB;
        }
    }
}
