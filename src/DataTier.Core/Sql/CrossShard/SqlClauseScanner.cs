namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Cuts a SELECT's text into tokens with their parenthesis depth, so the planner can find the clauses (FROM, GROUP BY,
/// ORDER BY, LIMIT, ...) and the items of a list at depth 0. The parse tree gives only where nodes start; the planner
/// needs where they end to splice text, which this gives. Strings, quoted identifiers, dollar quotes, comments and
/// <c>$n</c> parameters are skipped as PostgreSQL's scanner does (<see cref="SqlLexer"/> refuses <c>$n</c>, which the wire
/// and the bound HTTP statements carry).
/// </summary>
internal static class SqlClauseScanner
{
    /// <summary>The significant tokens of <paramref name="sql"/> (comments and whitespace dropped).</summary>
    public static List<SqlClauseToken> Scan(string sql)
    {
        var tokens = new List<SqlClauseToken>(64);
        int depth = 0;
        int i = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            int start = i;
            if (c == '-' && At(sql, i + 1) == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }

                continue;
            }

            if (c == '/' && At(sql, i + 1) == '*')
            {
                i = SkipBlockComment(sql, i);
                continue;
            }

            SqlClauseTokenKind kind;
            switch (c)
            {
                case '\'':
                    i = SkipQuoted(sql, i, '\'', backslashEscapes: false);
                    kind = SqlClauseTokenKind.Literal;
                    break;
                case '"':
                    i = SkipQuoted(sql, i, '"', backslashEscapes: false);
                    kind = SqlClauseTokenKind.Word;
                    break;
                case '(' or '[':
                    tokens.Add(new SqlClauseToken(SqlClauseTokenKind.Open, i, i + 1, depth));
                    depth++;
                    i++;
                    continue;
                case ')' or ']':
                    depth = Math.Max(0, depth - 1);
                    tokens.Add(new SqlClauseToken(SqlClauseTokenKind.Close, i, i + 1, depth));
                    i++;
                    continue;
                case ',':
                    kind = SqlClauseTokenKind.Comma;
                    i++;
                    break;
                case '$' when i + 1 < sql.Length && char.IsAsciiDigit(sql[i + 1]):
                    i++;
                    while (i < sql.Length && char.IsAsciiDigit(sql[i]))
                    {
                        i++;
                    }

                    kind = SqlClauseTokenKind.Literal;
                    break;
                case '$':
                    i = SkipDollarQuoted(sql, i);
                    kind = SqlClauseTokenKind.Literal;
                    break;
                default:
                    if ((c is 'e' or 'E') && At(sql, i + 1) == '\'')
                    {
                        i = SkipQuoted(sql, i + 1, '\'', backslashEscapes: true);
                        kind = SqlClauseTokenKind.Literal;
                    }
                    else if ((c is 'b' or 'B' or 'x' or 'X' or 'n' or 'N') && At(sql, i + 1) == '\'')
                    {
                        i = SkipQuoted(sql, i + 1, '\'', backslashEscapes: false);
                        kind = SqlClauseTokenKind.Literal;
                    }
                    else if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(At(sql, i + 1))))
                    {
                        while (i < sql.Length && (char.IsAsciiLetterOrDigit(sql[i]) || sql[i] == '.' || sql[i] == '_'
                            || ((sql[i] is '+' or '-') && sql[i - 1] is 'e' or 'E')))
                        {
                            i++;
                        }

                        kind = SqlClauseTokenKind.Literal;
                    }
                    else if (IsWordChar(c))
                    {
                        while (i < sql.Length && (IsWordChar(sql[i]) || sql[i] == '$' || char.IsAsciiDigit(sql[i])))
                        {
                            i++;
                        }

                        kind = SqlClauseTokenKind.Word;
                    }
                    else
                    {
                        i++;
                        kind = SqlClauseTokenKind.Other;
                    }

                    break;
            }

            tokens.Add(new SqlClauseToken(kind, start, i, depth));
        }

        return tokens;
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetter(c) || c == '_' || c > 127;

    private static char At(string sql, int i) => i < sql.Length ? sql[i] : '\0';

    private static int SkipBlockComment(string sql, int i)
    {
        int nesting = 0;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                nesting++;
                i += 2;
            }
            else if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                nesting--;
                i += 2;
                if (nesting == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return i;
    }

    private static int SkipQuoted(string sql, int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
                continue;
            }

            if (c == quote)
            {
                if (At(sql, i + 1) == quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return i;
    }

    private static int SkipDollarQuoted(string sql, int i)
    {
        int tagEnd = i + 1;
        while (tagEnd < sql.Length && (IsWordChar(sql[tagEnd]) || char.IsAsciiDigit(sql[tagEnd])))
        {
            tagEnd++;
        }

        if (At(sql, tagEnd) != '$')
        {
            return i + 1;
        }

        var tag = sql.AsSpan(i, tagEnd - i + 1);
        int close = sql.AsSpan(tagEnd + 1).IndexOf(tag);
        return close < 0 ? sql.Length : tagEnd + 1 + close + tag.Length;
    }
}
