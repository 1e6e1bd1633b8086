using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;

namespace DataTier.Core.Sql;

/// <summary>Checks SQL text received from application services and prepares it for PostgreSQL.</summary>
/// <remarks>
/// One lexing pass collects the significant tokens (into a pooled buffer) and the parameters; the statement analysis,
/// the positional rewrite and the fingerprint then walk those tokens. The result is immutable and cacheable by SQL text.
/// The SQL length limit is enforced by the caller.
/// </remarks>
public static class SqlParser
{
    /// <summary>The most distinct parameters a statement may use (the PostgreSQL protocol limit).</summary>
    public const int MaxParameters = ParameterNameTable.MaxParameters;

    /// <summary>Parses one statement, or throws <see cref="SqlRejectedException"/> saying why it is refused.</summary>
    /// <exception cref="SqlRejectedException">The text is empty, holds several statements, or holds one that is not allowed.</exception>
    public static ParsedSql Parse(string sql)
    {
        ArgumentNullException.ThrowIfNull(sql);

        // About one significant token per 4 chars in typical SQL; the buffer grows if that is too few.
        SqlToken[] tokens = ArrayPool<SqlToken>.Shared.Rent(Math.Min(16 + (sql.Length / 4), 4096));
        try
        {
            int count = 0;
            int parameterTokens = 0;
            bool afterSemicolon = false;
            ParameterNameTable? names = null;
            var lexer = new SqlLexer(sql);
            while (lexer.TryRead(out SqlToken token))
            {
                if (token.Kind == SqlTokenKind.Semicolon)
                {
                    // Semicolons are not kept: trailing ones are fine, and anything after one is refused below.
                    afterSemicolon = true;
                    continue;
                }

                if (afterSemicolon)
                {
                    throw new SqlRejectedException(
                        SqlRejectionCodes.MultipleStatements,
                        $"Only one statement per request is allowed, but more SQL follows a ';' (offset {token.Start}).",
                        token.Start);
                }

                if (token.Kind == SqlTokenKind.Parameter)
                {
                    names ??= new ParameterNameTable();
                    token = token with { Ordinal = names.GetOrAdd(sql.AsSpan(token.Start + 1, token.Length - 1), token.Start) };
                    parameterTokens++;
                }

                if (count == tokens.Length)
                {
                    tokens = Grow(tokens);
                }

                tokens[count++] = token;
            }

            if (count == 0)
            {
                throw new SqlRejectedException(SqlRejectionCodes.EmptyStatement, "The SQL text holds no statement.", 0);
            }

            ReadOnlySpan<SqlToken> statement = tokens.AsSpan(0, count);
            SqlStatementShape shape = SqlStatementAnalyzer.Analyze(sql, statement);
            string positionalSql = parameterTokens == 0 ? sql : RewritePositional(sql, tokens, count, parameterTokens);
            string fingerprint = SqlFingerprinter.Create(sql, statement, out ulong fingerprintId);

            return new ParsedSql(
                sql,
                positionalSql,
                names is null ? ImmutableArray<string>.Empty : [.. names.Names],
                names?.Index,
                shape.Kind,
                shape.HasDataModifyingCte,
                shape.HasLockingClause,
                fingerprint,
                fingerprintId);
        }
        finally
        {
            ArrayPool<SqlToken>.Shared.Return(tokens);
        }
    }

    private static SqlToken[] Grow(SqlToken[] tokens)
    {
        SqlToken[] larger = ArrayPool<SqlToken>.Shared.Rent(tokens.Length * 2);
        tokens.CopyTo(larger, 0);
        ArrayPool<SqlToken>.Shared.Return(tokens);
        return larger;
    }

    /// <summary>Copies the text, writing <c>$n</c> over each <c>@name</c>; one allocation of the exact length.</summary>
    private static string RewritePositional(string sql, SqlToken[] tokens, int count, int parameterTokens)
    {
        int length = sql.Length;
        int seen = 0;
        for (int i = 0; i < count && seen < parameterTokens; i++)
        {
            SqlToken token = tokens[i];
            if (token.Kind == SqlTokenKind.Parameter)
            {
                length += 1 + DigitCount(token.Ordinal + 1) - token.Length;
                seen++;
            }
        }

        return string.Create(length, (sql, tokens, count), static (destination, state) =>
        {
            (string source, SqlToken[] tokens, int count) = state;
            int copied = 0;
            int written = 0;
            for (int i = 0; i < count; i++)
            {
                SqlToken token = tokens[i];
                if (token.Kind != SqlTokenKind.Parameter)
                {
                    continue;
                }

                ReadOnlySpan<char> before = source.AsSpan(copied, token.Start - copied);
                before.CopyTo(destination[written..]);
                written += before.Length;
                destination[written++] = '$';
                (token.Ordinal + 1).TryFormat(destination[written..], out int digits, default, CultureInfo.InvariantCulture);
                written += digits;
                copied = token.End;
            }

            source.AsSpan(copied).CopyTo(destination[written..]);
        });
    }

    private static int DigitCount(int value) => value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : 5;
}
