namespace DataTier.Core.Sql;

/// <summary>A significant token: a slice of the SQL text, plus the parameter ordinal (zero-based) for parameters.</summary>
internal readonly record struct SqlToken(SqlTokenKind Kind, int Start, int Length, int Ordinal = 0)
{
    public int End => Start + Length;

    public ReadOnlySpan<char> Text(ReadOnlySpan<char> sql) => sql.Slice(Start, Length);

    /// <summary>True for tokens the fingerprint replaces with <c>?</c>.</summary>
    public bool IsLiteralOrParameter =>
        Kind is SqlTokenKind.String or SqlTokenKind.DollarString or SqlTokenKind.Number or SqlTokenKind.Parameter;
}
