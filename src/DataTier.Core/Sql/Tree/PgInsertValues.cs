using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DataTier.Core.Sql.CrossShard;

namespace DataTier.Core.Sql.Tree;

/// <summary>
/// The rows of a multi-row <c>INSERT INTO sharded (cols) VALUES (...), (...)</c>: where each row's parenthesised list
/// lies in the statement's text and the shard-key value it inserts, so that a front end can split the statement into one
/// statement per shard keeping only that shard's rows (<see cref="Rewrite"/>).
/// </summary>
/// <remarks>
/// The parse tree gives where each row's first expression starts (its smallest <c>location</c>); the text gives where the
/// row's parentheses are (<see cref="SqlClauseScanner"/>, which skips strings, comments and dollar quotes as PostgreSQL's
/// scanner does). The two must agree, row by row, and the rows must be separated by nothing but commas; otherwise the
/// statement is not splittable (<see cref="TryRead"/> returns null) and the caller refuses it as before.
/// </remarks>
internal sealed class PgInsertValues
{
    private readonly string _text;
    private readonly int _prefixEnd;
    private readonly int _suffixStart;

    private PgInsertValues(string text, int prefixEnd, int suffixStart, ImmutableArray<Row> rows, string keyColumn, bool hasReturning)
    {
        _text = text;
        _prefixEnd = prefixEnd;
        _suffixStart = suffixStart;
        Rows = rows;
        KeyColumn = keyColumn;
        HasReturning = hasReturning;
    }

    /// <summary>One row: its span in the statement's text (from its <c>(</c> through its <c>)</c>) and its key value.</summary>
    internal readonly record struct Row(int Start, int End, ShardKeyValue Key);

    /// <summary>The rows, in the statement's order.</summary>
    public ImmutableArray<Row> Rows { get; }

    /// <summary>The sharded table's key column.</summary>
    public string KeyColumn { get; }

    /// <summary>The statement has a RETURNING clause.</summary>
    public bool HasReturning { get; }

    /// <summary>
    /// Reads the rows of <paramref name="statement"/> (an <c>{"InsertStmt": ...}</c> node whose locations are UTF-8 byte
    /// offsets into <paramref name="input"/>) when it inserts two or more VALUES rows into a sharded table with a column list
    /// naming the key; null otherwise (one row, INSERT ... SELECT, DEFAULT VALUES, a WITH clause, no column list).
    /// </summary>
    /// <param name="text">The statement's own text, which starts at char <paramref name="offset"/> of <paramref name="input"/>.</param>
    public static PgInsertValues? TryRead(JsonElement statement, PgQueryInput input, string text, int offset, ShardedTableLookup sharded)
    {
        if (!PgJson.IsNode(statement, "InsertStmt", out JsonElement insert)
            || !PgJson.TryGet(insert, "relation", out JsonElement relation)
            || PgJson.String(relation, "relname") is not { } table
            || !sharded.TryGetKeyColumn(PgJson.String(relation, "schemaname"), table, out string keyColumn)
            || PgJson.TryGet(insert, "withClause", out _)
            || !PgJson.TryGet(insert, "selectStmt", out JsonElement select)
            || !PgJson.IsNode(select, "SelectStmt", out JsonElement body)
            || PgJson.TryGet(body, "withClause", out _)
            || PgJson.TryGet(body, "sortClause", out _)
            || PgJson.TryGet(body, "limitCount", out _)
            || PgJson.TryGet(body, "limitOffset", out _))
        {
            return null;
        }

        var columns = PgJson.Items(insert, "cols")
            .Select(static c => PgJson.IsNode(c, "ResTarget", out JsonElement target) ? PgJson.String(target, "name") ?? "" : "")
            .ToList();
        int keyIndex = columns.IndexOf(keyColumn);
        JsonElement[] lists = [.. PgJson.Items(body, "valuesLists")];
        if (keyIndex < 0 || lists.Length < 2)
        {
            return null;
        }

        List<SqlClauseToken> tokens = SqlClauseScanner.Scan(text);
        var rows = ImmutableArray.CreateBuilder<Row>(lists.Length);
        int searchFrom = 0;
        foreach (JsonElement list in lists)
        {
            JsonElement[] items = PgJson.IsNode(list, "List", out JsonElement l) ? [.. PgJson.Items(l, "items")] : [];
            int first = MinLocation(list);
            if (items.Length <= keyIndex || first < 0)
            {
                return null;
            }

            int at = input.ToCharOffset(first) - offset;
            int open = -1;
            for (int i = searchFrom; i < tokens.Count && tokens[i].Start < at; i++)
            {
                if (tokens[i].Kind == SqlClauseTokenKind.Open && tokens[i].Depth == 0)
                {
                    open = i;
                }
            }

            int close = open < 0 ? -1 : tokens.FindIndex(open + 1, t => t.Kind == SqlClauseTokenKind.Close && t.Depth == 0);
            if (close < 0 || tokens[close].Start < at)
            {
                return null;
            }

            bool follows = rows.Count == 0
                ? open > 0 && tokens[open - 1].IsWord(text, "values")
                : open == searchFrom + 1 && tokens[searchFrom].Kind == SqlClauseTokenKind.Comma;
            if (!follows)
            {
                // Not VALUES (...), (...) as this rewrite reads it (the tree and the text disagree): leave the statement whole.
                return null;
            }

            var key = PgStatementWalker.ReadKeyValue(items[keyIndex], input) ?? ShardKeyValue.Unknown;
            rows.Add(new Row(tokens[open].Start, tokens[close].End, key));
            searchFrom = close + 1;
        }

        return new PgInsertValues(text, rows[0].Start, rows[^1].End, rows.MoveToImmutable(), keyColumn, PgJson.TryGet(insert, "returningList", out _));
    }

    /// <summary>
    /// The statement with only the rows <paramref name="rowIndexes"/> (in that order), its <c>$n</c> parameters renumbered
    /// from 1 in order of first appearance; <c>Parameters[k]</c> is the 0-based index in the client's Bind of new parameter k+1.
    /// </summary>
    public (string Sql, int[] Parameters) Rewrite(IReadOnlyList<int> rowIndexes)
    {
        var sql = new StringBuilder(_prefixEnd + (_text.Length - _suffixStart) + (rowIndexes.Count * 32));
        sql.Append(_text, 0, _prefixEnd);
        for (int i = 0; i < rowIndexes.Count; i++)
        {
            var row = Rows[rowIndexes[i]];
            if (i > 0)
            {
                sql.Append(", ");
            }

            sql.Append(_text, row.Start, row.End - row.Start);
        }

        sql.Append(_text, _suffixStart, _text.Length - _suffixStart);
        return Renumber(sql.ToString());
    }

    /// <summary>Renumbers the <c>$n</c> of <paramref name="sql"/> 1, 2, ... in order of first appearance.</summary>
    private static (string Sql, int[] Parameters) Renumber(string sql)
    {
        var numbers = new Dictionary<int, int>();
        var order = new List<int>();
        var output = new StringBuilder(sql.Length);
        int copied = 0;
        foreach (var token in SqlClauseScanner.Scan(sql))
        {
            if (token.Kind != SqlClauseTokenKind.Literal || token.End - token.Start < 2 || sql[token.Start] != '$' || !char.IsAsciiDigit(sql[token.Start + 1]))
            {
                continue;
            }

            int old = int.Parse(sql.AsSpan(token.Start + 1, token.End - token.Start - 1), NumberStyles.None, CultureInfo.InvariantCulture);
            if (!numbers.TryGetValue(old, out int renumbered))
            {
                order.Add(old - 1);
                renumbered = order.Count;
                numbers[old] = renumbered;
            }

            output.Append(sql, copied, token.Start - copied).Append('$').Append(renumbered.ToString(CultureInfo.InvariantCulture));
            copied = token.End;
        }

        output.Append(sql, copied, sql.Length - copied);
        return (output.ToString(), [.. order]);
    }

    /// <summary>The smallest <c>location</c> anywhere below <paramref name="element"/>: where the row's first token is; -1 if none.</summary>
    private static int MinLocation(JsonElement element)
    {
        int min = -1;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    int found = property.NameEquals("location") && property.Value.ValueKind == JsonValueKind.Number
                        ? property.Value.GetInt32()
                        : MinLocation(property.Value);
                    min = found >= 0 && (min < 0 || found < min) ? found : min;
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    int found = MinLocation(item);
                    min = found >= 0 && (min < 0 || found < min) ? found : min;
                }

                break;
        }

        return min;
    }
}
