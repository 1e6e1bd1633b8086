using System.Collections.Frozen;

namespace DataTier.Core.Sql;

/// <summary>Keyword facts the lexer, the analyser and the fingerprint need, looked up without allocating.</summary>
internal static class SqlKeywords
{
    // Keywords after which an operand is expected, so that "@name" there is a parameter ("select @p", "limit @n",
    // "between @a and @b", "at time zone @tz"). A word that is not listed is taken as a column or other operand,
    // after which '@' is an operator. PostgreSQL 14 removed the last built-in binary '@' operators, so the choice
    // only matters for user-defined ones; it never changes what counts as a string, comment or statement boundary.
    // Reserved keywords that end an operand (null, true, false, end, current_user, ...) are deliberately absent.
    // (OrdinalIgnoreCase folds a little beyond ASCII; harmless here, as it only decides parameter-versus-operator.)
    private static readonly FrozenSet<string> s_expectOperand = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "all", "and", "any", "array", "as", "asymmetric", "between", "both", "by", "case", "cast", "check", "collate",
        "constraint", "distinct", "do", "else", "escape", "except", "exists", "fetch", "first", "for", "from", "group",
        "having", "ilike", "in", "intersect", "into", "is", "leading", "like", "limit", "next", "not", "offset", "on",
        "or", "order", "overlaps", "placing", "return", "returning", "select", "set", "similar", "some", "symmetric",
        "then", "to", "trailing", "union", "using", "values", "variadic", "when", "where", "with", "zone");

    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> s_expectOperandLookup =
        s_expectOperand.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>True when <paramref name="word"/> is a keyword after which an operand is expected.</summary>
    public static bool ExpectsOperand(ReadOnlySpan<char> word) => s_expectOperandLookup.Contains(word);

    /// <summary>
    /// True when a token of this kind ends an operand, so that what follows it is in operator position
    /// (an <c>@</c> there is an operator, a <c>-</c> there is binary).
    /// </summary>
    public static bool EndsOperand(SqlTokenKind kind, ReadOnlySpan<char> text) => kind switch
    {
        SqlTokenKind.Word => !ExpectsOperand(text),
        SqlTokenKind.QuotedIdentifier or SqlTokenKind.String or SqlTokenKind.DollarString or SqlTokenKind.Number
            or SqlTokenKind.Parameter or SqlTokenKind.CloseParen or SqlTokenKind.CloseBracket => true,
        _ => false,
    };

    /// <summary>
    /// Compares with a lower-case keyword folding ASCII letters only, which is how PostgreSQL folds unquoted words
    /// in UTF-8: "ſelect" (long s) must not pass for "select", as a full Unicode case-insensitive compare would allow.
    /// </summary>
    public static bool Is(ReadOnlySpan<char> word, string lowerKeyword)
    {
        if (word.Length != lowerKeyword.Length)
        {
            return false;
        }

        for (int i = 0; i < word.Length; i++)
        {
            if (ToLowerAscii(word[i]) != lowerKeyword[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the word starts with the lower-case ASCII <paramref name="lowerPrefix"/>, folding ASCII letters only.</summary>
    public static bool StartsWith(ReadOnlySpan<char> word, string lowerPrefix) =>
        word.Length >= lowerPrefix.Length && Is(word[..lowerPrefix.Length], lowerPrefix);

    public static char ToLowerAscii(char c) => (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;
}
