namespace DataTier.Core.Sql.CrossShard;

/// <summary>What <see cref="SqlClauseScanner"/> tells apart: enough to find clause keywords, commas and parentheses.</summary>
internal enum SqlClauseTokenKind : byte
{
    Word,
    Literal,
    Comma,
    Open,
    Close,
    Other,
}
