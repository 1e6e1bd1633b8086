using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// Parses client SQL with PostgreSQL's own parser (libpg_query) and analyses every statement in it: kind, reads and
/// writes, tables, shard-key restrictions, sqlcommenter hints, fingerprint and normalized text.
/// </summary>
/// <remarks>
/// <para>
/// Costs three parses per statement plus one for the text (parse tree, fingerprint, normalize) and a walk of the JSON tree;
/// the result is immutable, so a front end caches it by SQL text (and by the sharded-table map it was built with).
/// </para>
/// <para>
/// Thread-safe. Nothing native is held after a call returns: libpg_query's results are copied and freed inside
/// <see cref="PgQuery"/>, and the JSON document used for the walk is disposed before this returns.
/// </para>
/// </remarks>
internal static class PgSqlAnalyzer
{
    /// <summary>
    /// JSON nesting allowed in a parse tree. A left-deep expression (<c>1+1+...+1</c>) or a chain of UNIONs or JOINs nests one
    /// or two levels per operator, and PostgreSQL accepts tens of thousands of them. <see cref="JsonDocument"/> parses such
    /// trees in time that grows faster than their size (about 50 ms at depth 2,000 against 2 ms for a flat tree of the same
    /// size, measured on the 2-core dev box under load), so deeper statements are refused as too complex; so is a tree
    /// the walk cannot descend with the stack left.
    /// </summary>
    public const int MaxTreeDepth = 2048;

    internal static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = MaxTreeDepth };

    /// <summary>Parses and analyses <paramref name="sql"/>.</summary>
    /// <param name="sql">One or more statements, as a client sends them (Npgsql's <c>$1</c> parameters included).</param>
    /// <param name="shardedTables">
    /// Sharded table → key column (<c>"tasks" → "team_id"</c>, or <c>"public.tasks"</c>); names as PostgreSQL folds them. An
    /// unqualified name in the SQL matches <c>name</c> and <c>public.name</c>. Null or empty: no table is sharded.
    /// </param>
    /// <exception cref="PgQueryException">A syntax error (42601, with its position), NUL or an unpaired surrogate (22021), or a tree too deep (54001).</exception>
    /// <exception cref="DllNotFoundException">libpg_query is not installed; the message names the Debian package.</exception>
    public static PgSqlAnalysis Analyze(string sql, IReadOnlyDictionary<string, string>? shardedTables = null)
    {
        PgQueryInput input = PgQueryInput.Create(sql);
        byte[] json = PgQuery.ParseToJson(input);
        var sharded = new ShardedTableLookup(shardedTables);
        try
        {
            using JsonDocument document = JsonDocument.Parse(json, JsonOptions);
            ImmutableArray<PgStatement> statements = ReadStatements(document.RootElement, input, sharded);
            return new PgSqlAnalysis { Sql = sql, Statements = statements, Hints = SqlCommentHints.Scan(sql) };
        }
        catch (Exception exception) when (exception is JsonException or InsufficientExecutionStackException)
        {
            throw new PgQueryException(
                PgQueryException.StatementTooComplex,
                $"The statement is nested too deeply to analyse (more than {MaxTreeDepth} levels of parse tree, or more than the stack allows); simplify it.",
                innerException: exception);
        }
    }

    private static ImmutableArray<PgStatement> ReadStatements(JsonElement root, PgQueryInput input, ShardedTableLookup sharded)
    {
        JsonElement[] raw = [.. PgJson.Items(root, "stmts")];
        string sql = input.Text;

        // stmt_location (bytes) starts right after the previous ';'; stmt_len is 0 for a last statement running to the end.
        var starts = new int[raw.Length + 1];
        for (int i = 0; i < raw.Length; i++)
        {
            starts[i] = input.ToCharOffset(PgJson.Int(raw[i], "stmt_location"));
        }

        starts[raw.Length] = sql.Length;
        var statements = ImmutableArray.CreateBuilder<PgStatement>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            int byteStart = PgJson.Int(raw[i], "stmt_location");
            int byteLength = PgJson.Int(raw[i], "stmt_len");
            int start = starts[i];
            int end = byteLength > 0 ? input.ToCharOffset(byteStart + byteLength) : sql.Length;

            ReadOnlySpan<char> span = sql.AsSpan(start, end - start);
            int leading = span.Length - span.TrimStart().Length;
            string text = span.Trim().ToString();
            PgQueryInput statementInput = PgQueryInput.Create(text);
            JsonElement node = raw[i].GetProperty("stmt");
            PgStatementAnalysis analysis = PgStatementAnalyzer.Analyze(node, input, sharded);

            statements.Add(new PgStatement
            {
                Text = text,
                Offset = start + leading,
                Fingerprint = PgQuery.Fingerprint(statementInput),
                NormalizedText = PgQuery.Normalize(statementInput),
                Hints = SqlCommentHints.Scan(sql.AsSpan(start, starts[i + 1] - start)),
                Analysis = analysis,
                InsertValues = analysis.Kind == PgStatementKind.Insert && analysis.ShardKeys.Values.Length > 1
                    ? PgInsertValues.TryRead(node, input, text, start + leading, sharded)
                    : null,
                ParseTreeJson = JsonMarshal.GetRawUtf8Value(node).ToArray(),
                Sharded = sharded,
            });
        }

        return statements.MoveToImmutable();
    }
}
