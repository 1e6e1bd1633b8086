using System.Globalization;

namespace DataTier.Core.Sql;

/// <summary>
/// Classifies one statement from its tokens and refuses what the data API must not run: utility statements,
/// SELECT ... INTO, and calls to forbidden functions.
/// </summary>
/// <remarks>
/// This is not a SQL parser: it reads the leading keyword (after parentheses and the WITH list) and scans the tokens
/// once for INTO, locking clauses and function calls. Anything PostgreSQL would reject anyway may pass through.
/// </remarks>
internal static class SqlStatementAnalyzer
{
    // Bounds recursion through nested "WITH x AS (WITH y AS (...))" so hostile input cannot exhaust the stack.
    private const int MaxWithNesting = 32;

    public static SqlStatementShape Analyze(ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens)
    {
        bool hasDataModifyingCte = false;
        SqlStatementKind kind = Classify(sql, tokens, 0, tokens.Length, 0, ref hasDataModifyingCte);

        bool hasLockingClause = false;
        for (int i = 0; i < tokens.Length; i++)
        {
            SqlToken token = tokens[i];
            if (token.Kind == SqlTokenKind.Word)
            {
                ReadOnlySpan<char> word = token.Text(sql);
                if (SqlKeywords.Is(word, "into") && !(i > 0 && IsWord(sql, tokens, i - 1, "insert")))
                {
                    // INTO is reserved, so outside INSERT INTO (and MERGE INTO, refused above) it can only be SELECT ... INTO.
                    throw new SqlRejectedException(
                        SqlRejectionCodes.SelectInto,
                        $"SELECT ... INTO creates a table and is not allowed (offset {token.Start}); remove INTO to get the rows back, or create tables through a migration.",
                        token.Start);
                }

                if (SqlKeywords.Is(word, "for") && i + 1 < tokens.Length
                    && (IsWord(sql, tokens, i + 1, "update") || IsWord(sql, tokens, i + 1, "share")
                        || IsWord(sql, tokens, i + 1, "no") || IsWord(sql, tokens, i + 1, "key")))
                {
                    hasLockingClause = true;
                }
            }

            SqlForbiddenFunctions.ThrowIfForbiddenCall(sql, tokens, i);
        }

        return new SqlStatementShape(kind, hasDataModifyingCte, hasLockingClause);
    }

    private static SqlStatementKind Classify(
        ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, int start, int end, int nesting, ref bool hasDataModifyingCte)
    {
        int i = start;
        while (i < end && tokens[i].Kind == SqlTokenKind.OpenParen)
        {
            i++;
        }

        if (i >= end)
        {
            int position = i < tokens.Length ? tokens[i].Start : (end > 0 ? tokens[end - 1].End : 0);
            throw Syntax("Expected a statement keyword such as SELECT", position);
        }

        SqlToken first = tokens[i];
        if (first.Kind != SqlTokenKind.Word)
        {
            throw Syntax("Expected a statement keyword such as SELECT", first.Start);
        }

        ReadOnlySpan<char> keyword = first.Text(sql);
        if (SqlKeywords.Is(keyword, "select") || SqlKeywords.Is(keyword, "values") || SqlKeywords.Is(keyword, "table"))
        {
            return SqlStatementKind.Select;
        }

        if (SqlKeywords.Is(keyword, "insert"))
        {
            return SqlStatementKind.Insert;
        }

        if (SqlKeywords.Is(keyword, "update"))
        {
            return SqlStatementKind.Update;
        }

        if (SqlKeywords.Is(keyword, "delete"))
        {
            return SqlStatementKind.Delete;
        }

        if (SqlKeywords.Is(keyword, "with"))
        {
            if (nesting >= MaxWithNesting)
            {
                throw Syntax($"WITH is nested more than {MaxWithNesting} deep", first.Start);
            }

            return ClassifyWith(sql, tokens, i + 1, end, nesting + 1, ref hasDataModifyingCte);
        }

        throw Utility(keyword, first.Start);
    }

    /// <summary>
    /// Walks <c>[RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (body) [SEARCH ...] [CYCLE ...], ...</c>,
    /// classifying each body, then classifies the main statement that follows.
    /// </summary>
    private static SqlStatementKind ClassifyWith(
        ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, int start, int end, int nesting, ref bool hasDataModifyingCte)
    {
        int i = start;
        if (IsWord(sql, tokens, i, "recursive", end))
        {
            i++;
        }

        while (true)
        {
            if (i >= end || tokens[i].Kind is not (SqlTokenKind.Word or SqlTokenKind.QuotedIdentifier))
            {
                throw Syntax("Expected a common table expression name in the WITH list", PositionOf(tokens, i, end));
            }

            i++;
            if (i < end && tokens[i].Kind == SqlTokenKind.OpenParen)
            {
                i = MatchParen(tokens, i, end) + 1;
            }

            if (!IsWord(sql, tokens, i, "as", end))
            {
                throw Syntax("Expected AS in the WITH list", PositionOf(tokens, i, end));
            }

            i++;
            if (IsWord(sql, tokens, i, "not", end))
            {
                i++;
                if (!IsWord(sql, tokens, i, "materialized", end))
                {
                    throw Syntax("Expected MATERIALIZED after NOT in the WITH list", PositionOf(tokens, i, end));
                }

                i++;
            }
            else if (IsWord(sql, tokens, i, "materialized", end))
            {
                i++;
            }

            if (i >= end || tokens[i].Kind != SqlTokenKind.OpenParen)
            {
                throw Syntax("Expected '(' before a common table expression's body", PositionOf(tokens, i, end));
            }

            int close = MatchParen(tokens, i, end);
            if (Classify(sql, tokens, i + 1, close, nesting, ref hasDataModifyingCte) != SqlStatementKind.Select)
            {
                hasDataModifyingCte = true;
            }

            i = close + 1;
            if (IsWord(sql, tokens, i, "search", end))
            {
                i = SkipPastWord(sql, tokens, i, end, "set") + 1;
            }

            if (IsWord(sql, tokens, i, "cycle", end))
            {
                i = SkipPastWord(sql, tokens, i, end, "using") + 1;
            }

            if (i < end && tokens[i].Kind == SqlTokenKind.Comma)
            {
                i++;
                continue;
            }

            return Classify(sql, tokens, i, end, nesting, ref hasDataModifyingCte);
        }
    }

    /// <summary>Index of the ')' matching the '(' at <paramref name="open"/>.</summary>
    private static int MatchParen(ReadOnlySpan<SqlToken> tokens, int open, int end)
    {
        int depth = 0;
        for (int i = open; i < end; i++)
        {
            if (tokens[i].Kind == SqlTokenKind.OpenParen)
            {
                depth++;
            }
            else if (tokens[i].Kind == SqlTokenKind.CloseParen)
            {
                depth--;
                if (depth == 0)
                {
                    return i;
                }
            }
        }

        throw Syntax("Unbalanced parentheses", tokens[open].Start);
    }

    /// <summary>From a SEARCH or CYCLE keyword, the index just past the closing keyword (SET or USING), i.e. its column name.</summary>
    private static int SkipPastWord(ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, int start, int end, string keyword)
    {
        for (int i = start + 1; i < end; i++)
        {
            if (IsWord(sql, tokens, i, keyword, end))
            {
                return i + 1;
            }
        }

        throw Syntax($"Expected {keyword.ToUpperInvariant()} in the SEARCH/CYCLE clause", tokens[start].Start);
    }

    private static bool IsWord(ReadOnlySpan<char> sql, ReadOnlySpan<SqlToken> tokens, int index, string keyword, int end = int.MaxValue) =>
        index < end && index < tokens.Length && tokens[index].Kind == SqlTokenKind.Word && SqlKeywords.Is(tokens[index].Text(sql), keyword);

    private static int PositionOf(ReadOnlySpan<SqlToken> tokens, int index, int end) =>
        index < end ? tokens[index].Start : (end > 0 ? tokens[end - 1].End : 0);

    private static SqlRejectedException Syntax(string what, int position) =>
        new(SqlRejectionCodes.SyntaxError, $"{what} (offset {position}).", position);

    private static SqlRejectedException Utility(ReadOnlySpan<char> keyword, int position)
    {
        // ASCII upper-casing only: a non-ASCII lookalike ("ſelect") must not be shown as a real keyword.
        Span<char> upper = stackalloc char[Math.Min(keyword.Length, 40)];
        for (int i = 0; i < upper.Length; i++)
        {
            char c = keyword[i];
            upper[i] = (uint)(c - 'a') <= 'z' - 'a' ? (char)(c & ~0x20) : c;
        }

        string name = upper.ToString();
        string why = name switch
        {
            "SET" or "RESET" => " Session settings would leak to the next user of the pooled connection; set them per role or database instead.",
            "BEGIN" or "START" or "COMMIT" or "END" or "ROLLBACK" or "ABORT" or "SAVEPOINT" or "RELEASE" =>
                " Each request runs in its own transaction; use a data-modifying WITH to combine writes in one statement.",
            "MERGE" => " MERGE is not supported yet; use INSERT ... ON CONFLICT.",
            "CREATE" or "ALTER" or "DROP" or "TRUNCATE" or "COMMENT" or "GRANT" or "REVOKE" => " Schema changes go through migrations.",
            _ => string.Empty,
        };
        return new SqlRejectedException(
            SqlRejectionCodes.UtilityStatement,
            string.Create(CultureInfo.InvariantCulture, $"'{name}' statements are not allowed: only SELECT, INSERT, UPDATE and DELETE (optionally with WITH) are accepted.{why}"),
            position);
    }
}
