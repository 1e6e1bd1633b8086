using DataTier.Core.Catalog;
using DataTier.Core.Rebalancing;
using Dapper;

namespace DataTier.Core.Ownership;

/// <summary>The sharded tables and their key columns as the catalog lists them (<c>datatier.sharded_tables</c>).</summary>
public static class ShardedTableCatalog
{
    /// <summary>Reads the list.</summary>
    public static async Task<IReadOnlyList<ShardedTable>> ReadAsync(CatalogDatabase catalog, CancellationToken ct)
    {
        await using var conn = await catalog.OpenAsync(ct).ConfigureAwait(false);
        var tables = await conn.QueryAsync<ShardedTable>(new CommandDefinition(
            "select table_name as Name, shard_key_column as KeyColumn from datatier.sharded_tables order by table_name",
            commandTimeout: 10, cancellationToken: ct)).ConfigureAwait(false);
        return tables.ToList();
    }
}
