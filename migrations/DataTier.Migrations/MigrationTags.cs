namespace DataTier.Migrations;

/// <summary>FluentMigrator tags that split the migrations of this assembly into <see cref="MigrationSet"/>s.</summary>
public static class MigrationTags
{
    /// <summary>Tag of the shard migrations.</summary>
    public const string Shard = "shard";

    /// <summary>Tag of the catalog migrations.</summary>
    public const string Catalog = "catalog";

    /// <summary>The tag of a set.</summary>
    public static string For(MigrationSet set) => set switch
    {
        MigrationSet.Shard => Shard,
        MigrationSet.Catalog => Catalog,
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "Unknown migration set."),
    };
}
