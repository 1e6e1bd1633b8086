using System.Collections.Immutable;
using System.Text;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// Reads sqlcommenter-style hints from the comments of a SQL text: <c>/* shard_key='team-42',consistency='strong' */</c>
/// or <c>-- shard_key='team-42'</c>, anywhere in the text.
/// </summary>
/// <remarks>
/// <para>
/// libpg_query drops comments, and <see cref="SqlLexer"/> skips them without exposing them (and refuses <c>$1</c>, which
/// drivers send), so this is a small scanner of its own. It steps over string literals (<c>'...'</c> with <c>''</c>,
/// <c>E'...'</c> with backslash escapes and continuation lines), quoted identifiers and dollar quotes, so comment-like text
/// inside them is never taken; block comments nest as in PostgreSQL.
/// </para>
/// <para>
/// A comment is a hint comment only when its whole body is a comma-separated list of <c>key='value'</c> pairs (spaces
/// allowed around <c>=</c> and <c>,</c>): a prose comment that mentions <c>shard_key='x'</c> is ignored. As sqlcommenter
/// writes them, keys and values are URL-encoded and a quote inside a value is <c>\'</c>; both are decoded.
/// </para>
/// </remarks>
internal static class SqlCommentHints
{
    /// <summary>Every hint pair in the text, in order; duplicates are kept for the caller to judge.</summary>
    public static ImmutableArray<SqlCommentHint> Scan(ReadOnlySpan<char> sql)
    {
        ImmutableArray<SqlCommentHint>.Builder? hints = null;
        int i = 0;
        while (i < sql.Length)
        {
            char c = sql[i];
            char next = At(sql, i + 1);
            if (c == '-' && next == '-')
            {
                int end = LineEnd(sql, i + 2);
                AddPairs(sql[(i + 2)..end], ref hints);
                i = end;
            }
            else if (c == '/' && next == '*')
            {
                int end = BlockCommentEnd(sql, i);
                if (end > 0)
                {
                    AddPairs(sql[(i + 2)..(end - 2)], ref hints);
                    i = end;
                }
                else
                {
                    i = sql.Length;
                }
            }
            else if (c == '\'')
            {
                i = SkipString(sql, i + 1, backslashEscapes: false);
            }
            else if (c == '"')
            {
                i = SkipQuotedIdentifier(sql, i + 1);
            }
            else if (c == '$')
            {
                i = SkipDollar(sql, i);
            }
            else if (IsIdentifierStart(c))
            {
                // Whole identifiers, so that "a$$b" is not a dollar quote and a lone E before a quote starts an E'' string.
                int end = i + 1;
                while (end < sql.Length && IsIdentifierContinuation(sql[end]))
                {
                    end++;
                }

                i = end - i == 1 && c is ('e' or 'E') && At(sql, end) == '\''
                    ? SkipString(sql, end + 1, backslashEscapes: true)
                    : end;
            }
            else
            {
                i++;
            }
        }

        return hints?.ToImmutable() ?? [];
    }

    private static void AddPairs(ReadOnlySpan<char> body, ref ImmutableArray<SqlCommentHint>.Builder? hints)
    {
        List<SqlCommentHint>? pairs = TryParsePairs(body);
        if (pairs is not null)
        {
            hints ??= ImmutableArray.CreateBuilder<SqlCommentHint>();
            hints.AddRange(pairs);
        }
    }

    /// <summary>The pairs when the whole body is <c>key='value'(,key='value')*</c>, else null.</summary>
    private static List<SqlCommentHint>? TryParsePairs(ReadOnlySpan<char> body)
    {
        int i = SkipSpaces(body, 0);
        if (i == body.Length)
        {
            return null;
        }

        var pairs = new List<SqlCommentHint>();
        var value = new StringBuilder();
        while (true)
        {
            int keyStart = i;
            while (i < body.Length && !char.IsWhiteSpace(body[i]) && body[i] is not ('=' or ',' or '\''))
            {
                i++;
            }

            if (i == keyStart)
            {
                return null;
            }

            ReadOnlySpan<char> key = body[keyStart..i];
            i = SkipSpaces(body, i);
            if (At(body, i) != '=')
            {
                return null;
            }

            i = SkipSpaces(body, i + 1);
            if (At(body, i) != '\'')
            {
                return null;
            }

            i++;
            value.Clear();
            while (i < body.Length && body[i] != '\'')
            {
                if (body[i] == '\\' && i + 1 < body.Length)
                {
                    i++;
                }

                value.Append(body[i]);
                i++;
            }

            if (i >= body.Length)
            {
                return null;
            }

            pairs.Add(new SqlCommentHint(Uri.UnescapeDataString(key.ToString()), Uri.UnescapeDataString(value.ToString())));
            i = SkipSpaces(body, i + 1);
            if (i == body.Length)
            {
                return pairs;
            }

            if (body[i] != ',')
            {
                return null;
            }

            i = SkipSpaces(body, i + 1);
        }
    }

    private static int SkipSpaces(ReadOnlySpan<char> text, int i)
    {
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        return i;
    }

    private static int LineEnd(ReadOnlySpan<char> sql, int from)
    {
        int relative = sql[from..].IndexOfAny('\n', '\r');
        return relative < 0 ? sql.Length : from + relative;
    }

    /// <summary>The index after the matching <c>*/</c> (block comments nest), or -1 when unterminated.</summary>
    private static int BlockCommentEnd(ReadOnlySpan<char> sql, int start)
    {
        int depth = 1;
        int i = start + 2;
        while (i < sql.Length)
        {
            if (sql[i] == '*' && At(sql, i + 1) == '/')
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else if (sql[i] == '/' && At(sql, i + 1) == '*')
            {
                depth++;
                i += 2;
            }
            else
            {
                i++;
            }
        }

        return -1;
    }

    /// <summary>From just after the opening quote to just after the closing one (or the end of an unterminated string).</summary>
    private static int SkipString(ReadOnlySpan<char> sql, int i, bool backslashEscapes)
    {
        while (i < sql.Length)
        {
            char c = sql[i];
            if (backslashEscapes && c == '\\')
            {
                i += 2;
            }
            else if (c != '\'')
            {
                i++;
            }
            else if (At(sql, i + 1) == '\'')
            {
                i += 2;
            }
            else
            {
                i++;

                // E'a'<newline>'\'' continues the E string, keeping its escapes; a plain continuation scans the same as a new string.
                int continuation = backslashEscapes ? StringContinuation(sql, i) : -1;
                if (continuation < 0)
                {
                    return i;
                }

                i = continuation + 1;
            }
        }

        return sql.Length;
    }

    /// <summary>PostgreSQL's <c>quotecontinue</c>: whitespace with a newline (and <c>--</c> comments), then a quote; its index or -1.</summary>
    private static int StringContinuation(ReadOnlySpan<char> sql, int i)
    {
        bool sawNewline = false;
        while (i < sql.Length)
        {
            char c = sql[i];
            if (c is '\n' or '\r')
            {
                sawNewline = true;
                i++;
            }
            else if (c is ' ' or '\t' or '\f' or '\v')
            {
                i++;
            }
            else if (c == '-' && At(sql, i + 1) == '-')
            {
                i = LineEnd(sql, i + 2);
            }
            else
            {
                return c == '\'' && sawNewline ? i : -1;
            }
        }

        return -1;
    }

    private static int SkipQuotedIdentifier(ReadOnlySpan<char> sql, int i)
    {
        while (i < sql.Length)
        {
            if (sql[i] != '"')
            {
                i++;
            }
            else if (At(sql, i + 1) == '"')
            {
                i += 2;
            }
            else
            {
                return i + 1;
            }
        }

        return sql.Length;
    }

    /// <summary>A dollar quote <c>$tag$...$tag$</c> is skipped whole; <c>$1</c> and a stray <c>$</c> are one character.</summary>
    private static int SkipDollar(ReadOnlySpan<char> sql, int start)
    {
        int tagEnd = start + 1;
        if (At(sql, tagEnd) != '$')
        {
            if (!IsIdentifierStart(At(sql, tagEnd)))
            {
                return start + 1;
            }

            while (tagEnd < sql.Length && (IsIdentifierStart(sql[tagEnd]) || char.IsAsciiDigit(sql[tagEnd])))
            {
                tagEnd++;
            }

            if (At(sql, tagEnd) != '$')
            {
                return start + 1;
            }
        }

        ReadOnlySpan<char> delimiter = sql[start..(tagEnd + 1)];
        int relative = sql[(tagEnd + 1)..].IndexOf(delimiter);
        return relative < 0 ? sql.Length : tagEnd + 1 + relative + delimiter.Length;
    }

    private static char At(ReadOnlySpan<char> text, int index) => (uint)index < (uint)text.Length ? text[index] : '\0';

    // As PostgreSQL's scanner: every non-ASCII character is an identifier character.
    private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_' || c >= 0x80;

    private static bool IsIdentifierContinuation(char c) => IsIdentifierStart(c) || char.IsAsciiDigit(c) || c == '$';
}
