namespace DataTier.Core.Rebalancing.Moves;

/// <summary>A sharded table's columns and primary key as a source shard has them (quoted, ready for SQL).</summary>
public sealed record TableShape(ShardedTable Table, IReadOnlyList<string> Columns, IReadOnlyList<string> PrimaryKey)
{
    /// <summary>The quoted table name.</summary>
    public string Name => Sql.SqlQuoting.Identifier(Table.Name);

    /// <summary>The ring position of a row, as the router computes it for the key.</summary>
    public string Position => $"hashtextextended({Sql.SqlQuoting.Identifier(Table.KeyColumn)}::text, 0)";

    /// <summary>The column list.</summary>
    public string ColumnList => string.Join(", ", Columns);

    /// <summary>The primary key columns.</summary>
    public string KeyList => string.Join(", ", PrimaryKey);

    /// <summary>The ON CONFLICT action that makes a copied row the source's version.</summary>
    public string UpsertAction
    {
        get
        {
            var rest = Columns.Where(c => !PrimaryKey.Contains(c)).ToList();
            return rest.Count == 0 ? "do nothing" : "do update set " + string.Join(", ", rest.Select(c => $"{c} = excluded.{c}"));
        }
    }
}
