using System.Collections.Immutable;
using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

/// <summary>One statement of a SQL text: where it is, its digest, its hints, its parse tree and its analysis.</summary>
/// <remarks>
/// The parse tree is kept as the JSON bytes libpg_query wrote rather than as a <see cref="JsonDocument"/>: a document rents
/// pooled memory and must be disposed, which an object cached and shared across threads cannot promise. A planner calls
/// <see cref="OpenParseTree"/> and disposes what it gets; everything the router needs is already in <see cref="Analysis"/>.
/// </remarks>
internal sealed class PgStatement
{
    /// <summary>The statement's text, without surrounding whitespace or its <c>;</c>; comments before it are kept.</summary>
    public required string Text { get; init; }

    /// <summary>Where <see cref="Text"/> starts in the whole SQL text (UTF-16 index).</summary>
    public required int Offset { get; init; }

    public int Length => Text.Length;

    /// <summary>libpg_query's fingerprint: 16 hex digits, equal for statements that differ only in constants, comments and spacing.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The text with every constant replaced by <c>$n</c> (numbered after the parameters it already has).</summary>
    public required string NormalizedText { get; init; }

    /// <summary>
    /// The sqlcommenter hints of the comments from just after the previous statement's <c>;</c> through this statement's own
    /// <c>;</c> (to the end of the text for the last one): a leading comment and a trailing one before the <c>;</c> both
    /// belong here; a comment after the <c>;</c> belongs to the next statement.
    /// </summary>
    public required ImmutableArray<SqlCommentHint> Hints { get; init; }

    public required PgStatementAnalysis Analysis { get; init; }

    /// <summary>The sharded tables the statement was analysed with: what the cross-shard planner proves co-located joins by.</summary>
    public ShardedTableLookup Sharded { get; init; } = ShardedTableLookup.Empty;

    /// <summary>The rows of a multi-row <c>INSERT ... VALUES</c> into a sharded table, for splitting it by shard; null for any other statement.</summary>
    public PgInsertValues? InsertValues { get; init; }

    /// <summary>The statement's node of the parse tree, <c>{"SelectStmt": {...}}</c>, as UTF-8 JSON.</summary>
    public required ReadOnlyMemory<byte> ParseTreeJson { get; init; }

    /// <summary>Parses <see cref="ParseTreeJson"/>; the caller disposes the document.</summary>
    public JsonDocument OpenParseTree() => JsonDocument.Parse(ParseTreeJson, PgSqlAnalyzer.JsonOptions);

    /// <summary>The value of the first hint with this key (<see cref="SqlCommentHint.ShardKey"/>...), or null.</summary>
    public string? Hint(string key)
    {
        foreach (SqlCommentHint hint in Hints)
        {
            if (hint.Key == key)
            {
                return hint.Value;
            }
        }

        return null;
    }
}
