using System.Buffers;

namespace DataTier.Core.Sql;

/// <summary>
/// One forward pass over PostgreSQL SQL text, yielding significant tokens and skipping whitespace and comments.
/// </summary>
/// <remarks>
/// <para>
/// Follows PostgreSQL's own scanner (<c>src/backend/parser/scan.l</c>) wherever the difference could move a statement
/// boundary: nested block comments, <c>''</c> and <c>E'\''</c> escapes, string continuation across a newline (which keeps
/// the E mode of the first segment), dollar quotes whose tag may not follow an identifier character (<c>a$$b</c> is one
/// identifier), non-ASCII characters being identifier characters (U+00A0 is not whitespace to PostgreSQL), and operator
/// runs cut where <c>--</c> or <c>/*</c> begins.
/// </para>
/// <para>
/// Assumes <c>standard_conforming_strings = on</c> (the default since PostgreSQL 9.1; SET is refused, so a client cannot
/// change it): a backslash in a plain <c>'...'</c> string is an ordinary character.
/// </para>
/// <para>
/// <c>@name</c> is a parameter where an operand is expected: at the start, after an operator, <c>(</c>, <c>,</c>, or a
/// keyword such as SELECT or WHERE, but not after a column, literal or <c>)</c> (there <c>@</c> is an operator).
/// Inside an operator run, an <c>@</c> followed by a name starts a parameter (<c>x@&gt;@p</c>, <c>id=@p</c>), except in
/// <c>@@name</c>, which is the text-search operator followed by a column.
/// </para>
/// </remarks>
internal ref struct SqlLexer
{
    private static readonly SearchValues<char> s_operatorChars = SearchValues.Create("~!@#^&|`?+-*/%<>=");

    private readonly ReadOnlySpan<char> _sql;
    private int _position;
    private bool _hasPrevious;
    private SqlTokenKind _previousKind;
    private int _previousStart;
    private int _previousLength;

    public SqlLexer(ReadOnlySpan<char> sql)
    {
        _sql = sql;
    }

    /// <summary>Reads the next significant token; false at the end of the text.</summary>
    /// <exception cref="SqlRejectedException">Unterminated literal or comment, positional parameter, bad parameter name.</exception>
    public bool TryRead(out SqlToken token)
    {
        int start = SkipTrivia(_position);
        if (start >= _sql.Length)
        {
            _position = _sql.Length;
            token = default;
            return false;
        }

        SqlTokenKind kind;
        int end;
        char c = _sql[start];
        switch (c)
        {
            case '\'':
                kind = SqlTokenKind.String;
                end = ScanQuotedString(start, start + 1, backslashEscapes: false);
                break;
            case '"':
                kind = SqlTokenKind.QuotedIdentifier;
                end = ScanQuotedIdentifier(start, start + 1);
                break;
            case '$':
                kind = ScanDollar(start, out end);
                break;
            case '(':
                kind = SqlTokenKind.OpenParen;
                end = start + 1;
                break;
            case ')':
                kind = SqlTokenKind.CloseParen;
                end = start + 1;
                break;
            case '[':
                kind = SqlTokenKind.OpenBracket;
                end = start + 1;
                break;
            case ']':
                kind = SqlTokenKind.CloseBracket;
                end = start + 1;
                break;
            case ',':
                kind = SqlTokenKind.Comma;
                end = start + 1;
                break;
            case ';':
                kind = SqlTokenKind.Semicolon;
                end = start + 1;
                break;
            case ':':
                (kind, end) = At(start + 1) switch
                {
                    ':' => (SqlTokenKind.Typecast, start + 2),
                    '=' => (SqlTokenKind.Operator, start + 2),
                    _ => (SqlTokenKind.Colon, start + 1),
                };
                break;
            case '.':
                if (IsDigit(At(start + 1)))
                {
                    kind = SqlTokenKind.Number;
                    end = ScanNumber(start);
                }
                else
                {
                    // ".." is one token in PostgreSQL (dot_dot), so "1..2" is not "1." then ".2".
                    kind = SqlTokenKind.Dot;
                    end = At(start + 1) == '.' ? start + 2 : start + 1;
                }

                break;
            case '@' when IsParameterStart(At(start + 1)) && OperandExpected():
                kind = SqlTokenKind.Parameter;
                end = ScanParameter(start);
                break;
            default:
                if (IsDigit(c))
                {
                    kind = SqlTokenKind.Number;
                    end = ScanNumber(start);
                }
                else if (IsIdentifierStart(c))
                {
                    kind = ScanWordOrPrefixedLiteral(start, out end);
                }
                else if (s_operatorChars.Contains(c))
                {
                    kind = SqlTokenKind.Operator;
                    end = ScanOperator(start);
                }
                else
                {
                    kind = SqlTokenKind.Other;
                    end = start + 1;
                }

                break;
        }

        _position = end;
        _hasPrevious = true;
        _previousKind = kind;
        _previousStart = start;
        _previousLength = end - start;
        token = new SqlToken(kind, start, end - start);
        return true;
    }

    private readonly char At(int index) => (uint)index < (uint)_sql.Length ? _sql[index] : '\0';

    private readonly bool OperandExpected() =>
        !_hasPrevious || !SqlKeywords.EndsOperand(_previousKind, _sql.Slice(_previousStart, _previousLength));

    private readonly int SkipTrivia(int i)
    {
        ReadOnlySpan<char> sql = _sql;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (IsWhitespace(c))
            {
                i++;
            }
            else if (c == '-' && At(i + 1) == '-')
            {
                i = SkipLineComment(i);
            }
            else if (c == '/' && At(i + 1) == '*')
            {
                i = SkipBlockComment(i);
            }
            else
            {
                break;
            }
        }

        return i;
    }

    /// <summary>Returns the index of the newline ending the comment (not consumed), or the end of the text.</summary>
    private readonly int SkipLineComment(int start)
    {
        int relative = _sql[(start + 2)..].IndexOfAny('\n', '\r');
        return relative < 0 ? _sql.Length : start + 2 + relative;
    }

    private readonly int SkipBlockComment(int start)
    {
        // PostgreSQL block comments nest: "/* a /* b */ c */" is one comment.
        int depth = 1;
        int i = start + 2;
        while (true)
        {
            int relative = i < _sql.Length ? _sql[i..].IndexOfAny('*', '/') : -1;
            if (relative < 0)
            {
                throw Unterminated(start, "block comment");
            }

            i += relative;
            if (_sql[i] == '*' && At(i + 1) == '/')
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else if (_sql[i] == '/' && At(i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else
            {
                i++;
            }
        }
    }

    /// <summary>Scans a single-quoted string from its content start; returns the index after the closing quote.</summary>
    private readonly int ScanQuotedString(int tokenStart, int contentStart, bool backslashEscapes)
    {
        int i = contentStart;
        while (true)
        {
            int relative = i >= _sql.Length
                ? -1
                : backslashEscapes ? _sql[i..].IndexOfAny('\'', '\\') : _sql[i..].IndexOf('\'');
            if (relative < 0)
            {
                throw Unterminated(tokenStart, "string literal");
            }

            i += relative;
            if (_sql[i] == '\\')
            {
                // E'' strings: the backslash escapes whatever follows, including a quote.
                i += 2;
                continue;
            }

            if (At(i + 1) == '\'')
            {
                i += 2;
                continue;
            }

            i++;

            // 'a'<newline>'b' is one literal, and the continuation keeps the first segment's escaping rules.
            int continuation = FindStringContinuation(i);
            if (continuation < 0)
            {
                return i;
            }

            i = continuation + 1;
        }
    }

    /// <summary>
    /// PostgreSQL's <c>quotecontinue</c>: whitespace and <c>--</c> comments that include at least one newline, then a quote.
    /// Returns the index of that quote, or -1.
    /// </summary>
    private readonly int FindStringContinuation(int i)
    {
        bool sawNewline = false;
        while (i < _sql.Length)
        {
            char c = _sql[i];
            if (c is '\n' or '\r')
            {
                sawNewline = true;
                i++;
            }
            else if (IsWhitespace(c))
            {
                i++;
            }
            else if (c == '-' && At(i + 1) == '-')
            {
                i = SkipLineComment(i);
            }
            else
            {
                return c == '\'' && sawNewline ? i : -1;
            }
        }

        return -1;
    }

    private readonly int ScanQuotedIdentifier(int tokenStart, int contentStart)
    {
        int i = contentStart;
        while (true)
        {
            int relative = i >= _sql.Length ? -1 : _sql[i..].IndexOf('"');
            if (relative < 0)
            {
                throw Unterminated(tokenStart, "quoted identifier");
            }

            i += relative + 1;
            if (At(i) != '"')
            {
                return i;
            }

            i++;
        }
    }

    private readonly SqlTokenKind ScanDollar(int start, out int end)
    {
        char next = At(start + 1);
        if (IsDigit(next))
        {
            throw new SqlRejectedException(
                SqlRejectionCodes.PositionalParameter,
                $"Positional parameter '${next}...' at offset {start} is not supported: use a named parameter such as '@id' and pass its value in 'params'.",
                start);
        }

        int tagEnd = start + 1;
        if (next != '$')
        {
            if (!IsIdentifierStart(next))
            {
                end = start + 1;
                return SqlTokenKind.Other;
            }

            tagEnd++;
            while (IsDollarTagContinuation(At(tagEnd)))
            {
                tagEnd++;
            }

            if (At(tagEnd) != '$')
            {
                // "$name" with no closing '$' is not a dollar quote; PostgreSQL rejects the stray '$'.
                end = start + 1;
                return SqlTokenKind.Other;
            }
        }

        ReadOnlySpan<char> delimiter = _sql[start..(tagEnd + 1)];
        int contentStart = tagEnd + 1;
        int relative = _sql[contentStart..].IndexOf(delimiter);
        if (relative < 0)
        {
            throw Unterminated(start, "dollar-quoted string");
        }

        end = contentStart + relative + delimiter.Length;
        return SqlTokenKind.DollarString;
    }

    private readonly SqlTokenKind ScanWordOrPrefixedLiteral(int start, out int end)
    {
        char c = _sql[start];
        char next = At(start + 1);
        if (next == '\'')
        {
            switch (c)
            {
                case 'e' or 'E':
                    end = ScanQuotedString(start, start + 2, backslashEscapes: true);
                    return SqlTokenKind.String;
                case 'b' or 'B' or 'x' or 'X' or 'n' or 'N':
                    end = ScanQuotedString(start, start + 2, backslashEscapes: false);
                    return SqlTokenKind.String;
            }
        }
        else if (next == '&' && c is 'u' or 'U')
        {
            switch (At(start + 2))
            {
                case '\'':
                    end = ScanQuotedString(start, start + 3, backslashEscapes: false);
                    return SqlTokenKind.String;
                case '"':
                    end = ScanQuotedIdentifier(start, start + 3);
                    return SqlTokenKind.QuotedIdentifier;
            }
        }

        int i = start + 1;
        while (i < _sql.Length && IsIdentifierContinuation(_sql[i]))
        {
            i++;
        }

        end = i;
        return SqlTokenKind.Word;
    }

    private readonly int ScanNumber(int start)
    {
        int i = start;
        if (_sql[i] == '0' && At(i + 1) is 'x' or 'X' or 'o' or 'O' or 'b' or 'B')
        {
            int radix = At(i + 1) switch { 'x' or 'X' => 16, 'o' or 'O' => 8, _ => 2 };
            if (IsRadixDigit(At(i + 2), radix))
            {
                i += 2;
                while (IsRadixDigit(At(i), radix) || At(i) == '_')
                {
                    i++;
                }

                return i;
            }
        }

        while (IsDigit(At(i)) || At(i) == '_')
        {
            i++;
        }

        // "1..5" is an integer followed by "..", not "1." then ".5".
        if (At(i) == '.' && At(i + 1) != '.')
        {
            i++;
            while (IsDigit(At(i)) || At(i) == '_')
            {
                i++;
            }
        }

        if (At(i) is 'e' or 'E')
        {
            int j = i + 1;
            if (At(j) is '+' or '-')
            {
                j++;
            }

            if (IsDigit(At(j)))
            {
                i = j;
                while (IsDigit(At(i)) || At(i) == '_')
                {
                    i++;
                }
            }
        }

        // Trailing letters ("1abc") are left as a separate word, as PostgreSQL before 15 did, so "1into" still shows INTO.
        return i;
    }

    private readonly int ScanParameter(int start)
    {
        int i = start + 1;
        while (IsAsciiIdentifierContinuation(At(i)))
        {
            i++;
        }

        if (At(i) >= 0x80)
        {
            throw new SqlRejectedException(
                SqlRejectionCodes.BadParameter,
                $"Parameter name at offset {start} continues with a non-ASCII character: names must match [A-Za-z_][A-Za-z0-9_]*.",
                start,
                _sql[(start + 1)..i].ToString());
        }

        return i;
    }

    private readonly int ScanOperator(int start)
    {
        int i = start;
        while (i < _sql.Length && s_operatorChars.Contains(_sql[i]))
        {
            char c = _sql[i];
            if (i > start)
            {
                if ((c == '-' && At(i + 1) == '-') || (c == '/' && At(i + 1) == '*'))
                {
                    break;
                }

                // "=@p", "x@>@p": the '@' starts a parameter, since an operand follows an operator.
                // "@@name" stays the @@ operator followed by a name.
                if (c == '@' && IsParameterStart(At(i + 1)) && !(i == start + 1 && _sql[start] == '@'))
                {
                    break;
                }
            }

            i++;
        }

        // PostgreSQL: a multi-character operator cannot end in + or - unless it contains one of ~ ! @ # ^ & | ` ? %,
        // so "=-1" is "=" then "-1".
        int length = i - start;
        if (length > 1 && _sql[start + length - 1] is '+' or '-')
        {
            if (_sql.Slice(start, length - 1).IndexOfAny("~!@#^&|`?%") < 0)
            {
                do
                {
                    length--;
                }
                while (length > 1 && _sql[start + length - 1] is '+' or '-');
            }
        }

        return start + length;
    }

    private static SqlRejectedException Unterminated(int start, string what) =>
        new(SqlRejectionCodes.UnterminatedLiteral, $"Unterminated {what} starting at offset {start}.", start);

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';

    private static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    private static bool IsAsciiLetter(char c) => (uint)((c | 0x20) - 'a') <= 'z' - 'a';

    // PostgreSQL treats every byte >= 0x80 as an identifier character; in UTF-16 that is every non-ASCII char.
    private static bool IsIdentifierStart(char c) => IsAsciiLetter(c) || c == '_' || c >= 0x80;

    private static bool IsIdentifierContinuation(char c) => IsIdentifierStart(c) || IsDigit(c) || c == '$';

    private static bool IsDollarTagContinuation(char c) => IsIdentifierStart(c) || IsDigit(c);

    private static bool IsParameterStart(char c) => IsAsciiLetter(c) || c == '_';

    private static bool IsAsciiIdentifierContinuation(char c) => IsAsciiLetter(c) || c == '_' || IsDigit(c);

    private static bool IsRadixDigit(char c, int radix) => radix switch
    {
        16 => char.IsAsciiHexDigit(c),
        8 => (uint)(c - '0') <= 7,
        _ => c is '0' or '1',
    };
}
