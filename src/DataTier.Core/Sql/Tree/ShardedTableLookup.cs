namespace DataTier.Core.Sql.Tree;

/// <summary>
/// The caller's map of sharded tables to key columns, matched the way an unqualified name resolves on a default
/// <c>search_path</c>: <c>tasks</c> and <c>public.tasks</c> are the same table.
/// </summary>
/// <remarks>
/// Keys are <c>name</c> or <c>schema.name</c> as PostgreSQL folds them (lower case unless quoted); the dictionary's own
/// comparer is used. A reference in <c>pg_catalog</c> or <c>information_schema</c> is never sharded. A session that changes
/// <c>search_path</c> could make an unqualified name mean another table; the front end refuses or tracks such SETs.
/// </remarks>
internal sealed class ShardedTableLookup
{
    public static ShardedTableLookup Empty { get; } = new(null);

    private readonly IReadOnlyDictionary<string, string>? _keyColumns;

    public ShardedTableLookup(IReadOnlyDictionary<string, string>? keyColumns)
    {
        _keyColumns = keyColumns is { Count: > 0 } ? keyColumns : null;
    }

    /// <summary>The key column of the table, when it is sharded.</summary>
    public bool TryGetKeyColumn(string? schema, string name, out string keyColumn)
    {
        keyColumn = "";
        if (_keyColumns is null || schema is "pg_catalog" or "information_schema")
        {
            return false;
        }

        string? found;
        if (schema is null or "public")
        {
            if (!_keyColumns.TryGetValue(name, out found) && !_keyColumns.TryGetValue("public." + name, out found))
            {
                return false;
            }
        }
        else if (!_keyColumns.TryGetValue(schema + "." + name, out found))
        {
            return false;
        }

        keyColumn = found;
        return true;
    }
}
