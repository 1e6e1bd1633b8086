namespace DataTier.Core.Sql;

/// <summary>
/// Builds the normalised text of a statement from its tokens, for query digests and caches, and its 64-bit id.
/// </summary>
/// <remarks>
/// Spacing is canonical rather than copied (one space between tokens, none inside brackets, before commas, around
/// <c>.</c> and <c>::</c>, or between a function name and its <c>(</c>), so "id=1" and "id = 2" share a fingerprint.
/// Only numbers, strings and parameters become <c>?</c>; TRUE, FALSE and NULL stay, as they change plans.
/// </remarks>
internal static class SqlFingerprinter
{
    private const int StackBufferSize = 512;

    public static string Create(ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, out ulong id)
    {
        var builder = new PooledCharBuilder(stackalloc char[StackBufferSize]);
        try
        {
            bool hasPrevious = false;
            SqlToken previous = default;
            for (int i = 0; i < tokens.Length; i++)
            {
                SqlToken token = tokens[i];
                if (token.Kind == SqlTokenKind.Word && i + 2 < tokens.Length)
                {
                    ReadOnlySpan<char> word = token.Text(sql);
                    if (SqlKeywords.Is(word, "in") && tokens[i + 1].Kind == SqlTokenKind.OpenParen
                        && TryMatchLiteralList(sql, tokens, i + 2, SqlTokenKind.CloseParen, out int close))
                    {
                        AppendSeparator(ref builder, sql, hasPrevious, previous, token);
                        builder.Append("in (...)");
                        (previous, hasPrevious, i) = (tokens[close], true, close);
                        continue;
                    }

                    if (SqlKeywords.Is(word, "array") && tokens[i + 1].Kind == SqlTokenKind.OpenBracket
                        && TryMatchLiteralList(sql, tokens, i + 2, SqlTokenKind.CloseBracket, out close))
                    {
                        AppendSeparator(ref builder, sql, hasPrevious, previous, token);
                        builder.Append("array[...]");
                        (previous, hasPrevious, i) = (tokens[close], true, close);
                        continue;
                    }
                }

                bool negativeNumber = IsMinus(sql, token)
                    && i + 1 < tokens.Length && tokens[i + 1].Kind == SqlTokenKind.Number
                    && !(hasPrevious && SqlKeywords.EndsOperand(previous.Kind, previous.Text(sql)));
                if (token.IsLiteralOrParameter || negativeNumber)
                {
                    AppendSeparator(ref builder, sql, hasPrevious, previous, token);
                    builder.Append('?');
                    if (negativeNumber)
                    {
                        i++;
                    }

                    (previous, hasPrevious) = (tokens[i], true);
                    continue;
                }

                AppendSeparator(ref builder, sql, hasPrevious, previous, token);
                if (token.Kind == SqlTokenKind.Word)
                {
                    builder.AppendLowerAscii(token.Text(sql));
                }
                else
                {
                    builder.Append(token.Text(sql));
                }

                (previous, hasPrevious) = (token, true);
            }

            id = Fnv1a64.HashUtf8(builder.AsSpan());
            return builder.ToString();
        }
        finally
        {
            builder.Dispose();
        }
    }

    /// <summary>Matches <c>lit (, lit)* close</c> where lit is a number, string, parameter or negative number.</summary>
    private static bool TryMatchLiteralList(
        ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, int start, SqlTokenKind closeKind, out int close)
    {
        int i = start;
        while (i < tokens.Length)
        {
            if (IsMinus(sql, tokens[i]) && i + 1 < tokens.Length && tokens[i + 1].Kind == SqlTokenKind.Number)
            {
                i++;
            }

            if (!tokens[i].IsLiteralOrParameter || i + 1 >= tokens.Length)
            {
                break;
            }

            SqlTokenKind after = tokens[i + 1].Kind;
            if (after == closeKind)
            {
                close = i + 1;
                return true;
            }

            if (after != SqlTokenKind.Comma)
            {
                break;
            }

            i += 2;
        }

        close = -1;
        return false;
    }

    private static bool IsMinus(ReadOnlySpan<char> sql, SqlToken token) =>
        token.Kind == SqlTokenKind.Operator && token.Length == 1 && sql[token.Start] == '-';

    private static void AppendSeparator(
        ref PooledCharBuilder builder, ReadOnlySpan<char> sql, bool hasPrevious, SqlToken previous, SqlToken current)
    {
        if (hasPrevious && NeedsSpace(sql, previous, current))
        {
            builder.Append(' ');
        }
    }

    private static bool NeedsSpace(ReadOnlySpan<char> sql, SqlToken previous, SqlToken current)
    {
        switch (current.Kind)
        {
            case SqlTokenKind.CloseParen or SqlTokenKind.CloseBracket or SqlTokenKind.OpenBracket or SqlTokenKind.Comma
                or SqlTokenKind.Dot or SqlTokenKind.Typecast or SqlTokenKind.Colon:
                return false;
        }

        switch (previous.Kind)
        {
            case SqlTokenKind.OpenParen or SqlTokenKind.OpenBracket or SqlTokenKind.Dot or SqlTokenKind.Typecast
                or SqlTokenKind.Colon:
                return false;
        }

        // "count(" and "t(a, b)" hug their parenthesis; keywords such as "values (" and "exists (" do not.
        if (current.Kind == SqlTokenKind.OpenParen)
        {
            return previous.Kind switch
            {
                SqlTokenKind.QuotedIdentifier => false,
                SqlTokenKind.Word => SqlKeywords.ExpectsOperand(previous.Text(sql)),
                _ => true,
            };
        }

        return true;
    }
}
