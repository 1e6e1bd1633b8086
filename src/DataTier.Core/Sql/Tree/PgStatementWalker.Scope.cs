using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

internal sealed partial class PgStatementWalker
{
    /// <summary>One query level: its FROM entries, the predicates that restrict them, and key-to-key join edges.</summary>
    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;

        public List<TableEntry> Tables { get; } = [];

        /// <summary>Names of FROM items that are not tables (subqueries, functions, CTE references, join aliases): they shadow outer tables.</summary>
        public HashSet<string> OtherNames { get; } = [];

        public List<Predicate> Predicates { get; } = [];

        /// <summary>Directed: the key values of <c>From</c> bound those of <c>To</c> (an equality or USING that restricts <c>To</c>'s rows).</summary>
        public List<(TableEntry From, TableEntry To)> Edges { get; } = [];
    }

    /// <summary>A table where it appears in a query, with the key values it is restricted to (null: unrestricted).</summary>
    private sealed class TableEntry(string? schema, string name, string? alias, PgTableRole role, string? keyColumn, Scope? scope)
    {
        public string? Schema { get; } = schema;

        public string Name { get; } = name;

        public string? Alias { get; } = alias;

        public PgTableRole Role { get; } = role;

        /// <summary>Null when the table is not sharded.</summary>
        public string? KeyColumn { get; } = keyColumn;

        /// <summary>The scope it is a FROM item (or target) of; null for tables named outside a query.</summary>
        public Scope? Scope { get; } = scope;

        public List<ShardKeyValue>? Values { get; set; }

        /// <summary>The name a column reference qualifies it by: the alias if it has one, else its own name.</summary>
        public string ExposedName => Alias ?? Name;
    }

    /// <summary>
    /// A condition every row of the tables in <see cref="AppliesTo"/> satisfies (all the scope's tables when null): the WHERE,
    /// an inner join's ON, the nullable side of an outer join's ON, a MERGE's join condition for its target.
    /// </summary>
    private readonly record struct Predicate(JsonElement Expression, IReadOnlyCollection<TableEntry>? AppliesTo)
    {
        public bool Restricts(TableEntry entry) => AppliesTo is null || AppliesTo.Contains(entry);
    }

    /// <summary>The CTE names visible at a point of the tree, innermost first.</summary>
    private sealed record CteNames(string Name, CteNames? Next)
    {
        public static bool Contains(CteNames? names, string name)
        {
            for (CteNames? n = names; n is not null; n = n.Next)
            {
                if (n.Name == name)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
