namespace DataTier.Core.Sql.Tree;

/// <summary>A table a statement names, as PostgreSQL's parser sees it: unquoted names folded to lower case, quoted ones kept.</summary>
/// <param name="Schema">The schema as written, or null when the name is unqualified (resolved by <c>search_path</c>).</param>
/// <param name="Name">The table name.</param>
/// <param name="Role">Whether the statement reads or writes it.</param>
internal sealed record PgTableReference(string? Schema, string Name, PgTableRole Role)
{
    /// <summary><c>schema.name</c>, or the bare name when unqualified; unquoted, so for display and lookups only.</summary>
    public string QualifiedName => Schema is null ? Name : $"{Schema}.{Name}";

    /// <summary>True for <c>pg_catalog.*</c> and <c>information_schema.*</c>: the system catalogs every node has.</summary>
    public bool IsCatalog => Schema is "pg_catalog" or "information_schema";
}
