namespace DataTier.Core.Sql;

/// <summary>Significant token kinds; whitespace and comments are skipped by the lexer and never become tokens.</summary>
internal enum SqlTokenKind : byte
{
    /// <summary>An unquoted identifier or keyword (PostgreSQL does not tell them apart lexically).</summary>
    Word,

    /// <summary><c>"..."</c> or <c>U&amp;"..."</c>.</summary>
    QuotedIdentifier,

    /// <summary><c>'...'</c>, <c>E'...'</c>, <c>B'...'</c>, <c>X'...'</c>, <c>N'...'</c>, <c>U&amp;'...'</c>, including continuations.</summary>
    String,

    /// <summary><c>$$...$$</c> or <c>$tag$...$tag$</c>.</summary>
    DollarString,

    Number,

    /// <summary><c>@name</c> where an operand is expected.</summary>
    Parameter,

    /// <summary>A run of operator characters, or <c>:=</c>.</summary>
    Operator,

    /// <summary><c>::</c>.</summary>
    Typecast,

    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Comma,
    Semicolon,
    Dot,
    Colon,

    /// <summary>Any other single character (a stray <c>$</c>, <c>\</c>, a control character): PostgreSQL will reject it.</summary>
    Other,
}
