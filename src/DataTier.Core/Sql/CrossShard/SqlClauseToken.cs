namespace DataTier.Core.Sql.CrossShard;

/// <summary>One token of <see cref="SqlClauseScanner"/>: its kind, where it is, and how deep in parentheses or brackets.</summary>
internal readonly record struct SqlClauseToken(SqlClauseTokenKind Kind, int Start, int End, int Depth)
{
    public ReadOnlySpan<char> Text(string sql) => sql.AsSpan(Start, End - Start);

    public bool IsWord(string sql, string word) =>
        Kind == SqlClauseTokenKind.Word && Text(sql).Equals(word, StringComparison.OrdinalIgnoreCase);
}
