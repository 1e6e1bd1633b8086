namespace DataTier.Core.Sql.Tree;

/// <summary>Where one statement of a multi-statement text lies, in UTF-16 indexes into the .NET string.</summary>
/// <remarks>
/// As PostgreSQL reports it: <see cref="Offset"/> starts right after the previous statement's <c>;</c> (so leading
/// whitespace and comments belong to the statement they precede) and <see cref="Length"/> stops before the statement's own
/// <c>;</c>.
/// </remarks>
internal readonly record struct PgStatementSpan(int Offset, int Length)
{
    public int End => Offset + Length;
}
