using System.Collections.Immutable;

namespace DataTier.Core.Sql.Tree;

/// <summary>One option of a COPY statement, in either syntax (<c>WITH (FORMAT csv, HEADER)</c> or <c>CSV HEADER</c>).</summary>
/// <param name="Name">The option's name as PostgreSQL's grammar makes it: <c>format</c>, <c>header</c>, <c>delimiter</c>, <c>null</c>, <c>quote</c>, <c>escape</c>, <c>force_not_null</c>...</param>
/// <param name="Value">Its value as text (<c>csv</c>, <c>true</c>, <c>;</c>, <c>match</c>); null when none was written (<c>HEADER</c> alone) or it is a column list.</param>
/// <param name="Columns">For a column list (<c>FORCE_NOT_NULL (a, b)</c>): the columns; <c>*</c> for all of them.</param>
internal sealed record PgCopyOption(string Name, string? Value, ImmutableArray<string> Columns);
