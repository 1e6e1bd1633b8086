using System.Collections.Immutable;

namespace DataTier.Core.Sql.Tree;

/// <summary>A whole SQL text as PostgreSQL's parser reads it: its statements, in order, and every hint in its comments.</summary>
/// <remarks>Immutable and safe to share across threads; the caller may cache it by SQL text (and sharded-table map).</remarks>
internal sealed class PgSqlAnalysis
{
    public required string Sql { get; init; }

    /// <summary>The statements; empty for a text of only whitespace, comments and semicolons (PostgreSQL's EmptyQueryResponse).</summary>
    public required ImmutableArray<PgStatement> Statements { get; init; }

    /// <summary>Every sqlcommenter hint in the text, wherever it is.</summary>
    public required ImmutableArray<SqlCommentHint> Hints { get; init; }

    public bool IsEmpty => Statements.IsEmpty;
}
