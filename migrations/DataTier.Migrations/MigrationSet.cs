namespace DataTier.Migrations;

/// <summary>Which database a set of migrations is for; each set is a FluentMigrator tag.</summary>
public enum MigrationSet
{
    /// <summary>Every shard primary (database <c>datatier</c>): the sharded application tables.</summary>
    Shard,

    /// <summary>The catalog database (<c>datatier_catalog</c>): topology history and sharded-table metadata.</summary>
    Catalog,
}
