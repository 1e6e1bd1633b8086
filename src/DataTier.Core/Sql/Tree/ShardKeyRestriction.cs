using System.Collections.Immutable;

namespace DataTier.Core.Sql.Tree;

/// <summary>The key values a statement restricts one sharded table to, gathered over every place the table appears.</summary>
/// <param name="table">The table as the statement names it (schema as written, or null).</param>
/// <param name="keyColumn">Its shard key column, from the caller's lookup.</param>
/// <param name="values">Distinct values, in the order they appear; the statement touches only the shards that own them.</param>
internal sealed class ShardKeyRestriction(PgTableReference table, string keyColumn, ImmutableArray<ShardKeyValue> values)
{
    public PgTableReference Table { get; } = table;

    public string KeyColumn { get; } = keyColumn;

    public ImmutableArray<ShardKeyValue> Values { get; } = values;

    public override string ToString() => $"{Table.QualifiedName}.{KeyColumn}: {string.Join(", ", Values)}";
}
