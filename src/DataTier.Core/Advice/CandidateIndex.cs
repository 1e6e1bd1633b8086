using System.Text.RegularExpressions;

namespace DataTier.Core.Advice;

/// <summary>
/// A b-tree index the advisor considers: a table and an ordered list of keys, each a column (<c>team_id</c>), a column
/// with an operator class (<c>title text_pattern_ops</c>) or an expression (<c>lower(email)</c>); optionally the columns
/// it carries for index-only scans (<c>INCLUDE</c>) and the predicate of a partial index (<c>WHERE</c>).
/// </summary>
public sealed partial record CandidateIndex(string Schema, string Table, IReadOnlyList<string> Columns, IReadOnlyList<string>? Include = null, string? Predicate = null)
{
    /// <summary>Identity of the candidate: <c>schema.table(c1,c2)</c>, then <c> include(c3)</c> and <c> where p</c> when it has them.</summary>
    public string Key { get; } = $"{Schema}.{Table}({string.Join(',', Columns)})"
        + (Include is { Count: > 0 } ? $" include({string.Join(',', Include)})" : "") + (Predicate is null ? "" : $" where {Predicate}");

    /// <summary>Whether it is a plain b-tree on columns: no operator class, expression, INCLUDE or predicate.</summary>
    public bool IsPlainBtree => Include is not { Count: > 0 } && Predicate is null && Columns.All(IsPlainColumn);

    /// <summary>The name DataTier gives the index (at most 63 bytes, PostgreSQL's limit).</summary>
    public string Name
    {
        get
        {
            string parts = string.Join('_', Columns.Concat(Include is { Count: > 0 } ? ["incl", .. Include] : []).Concat(Predicate is null ? [] : ["partial"]));
            string name = $"dt_{Table}_{NonWord().Replace(parts, "_").Trim('_')}_idx";
            return name.Length <= 63 ? name : name[..54] + "_" + Convert.ToHexStringLower(BitConverter.GetBytes(Key.GetHashCode(StringComparison.Ordinal)));
        }
    }

    /// <summary>The column list as SQL.</summary>
    public string ColumnList => string.Join(", ", Columns.Select(KeySql));

    /// <summary>What follows the key list: <c> INCLUDE (...)</c> and <c> WHERE ...</c>, or nothing.</summary>
    public string Tail => (Include is { Count: > 0 } ? $" INCLUDE ({string.Join(", ", Include.Select(Quote))})" : "") + (Predicate is null ? "" : $" WHERE {Predicate}");

    /// <summary>The statement hypopg costs.</summary>
    public string HypotheticalSql => $"CREATE INDEX ON {Quote(Schema)}.{Quote(Table)} ({ColumnList}){Tail}";

    /// <summary>The statement a migration runs.</summary>
    public string CreateSql => $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {Quote(Name)} ON {Quote(Schema)}.{Quote(Table)} ({ColumnList}){Tail}";

    /// <summary>Its rollback.</summary>
    public string DropSql => $"DROP INDEX CONCURRENTLY IF EXISTS {Quote(Schema)}.{Quote(Name)}";

    /// <summary>Whether an index on <paramref name="existing"/> columns (in order) already serves every lookup this one would.</summary>
    /// <remarks>An operator class, an expression, INCLUDE or a predicate is more than a plain index on columns offers.</remarks>
    public bool IsCoveredBy(IReadOnlyList<string> existing) =>
        IsPlainBtree && existing.Count >= Columns.Count && Columns.Select((c, i) => existing[i] == c).All(x => x);

    // "team_id" is quoted as an identifier, "title text_pattern_ops" as a column and its operator class, and
    // "lower(email)" is an expression, which CREATE INDEX wants in parentheses.
    private static string KeySql(string key) =>
        key.Contains('(', StringComparison.Ordinal) ? $"({key})"
        : key.IndexOf(' ', StringComparison.Ordinal) is > 0 and int space ? $"{Quote(key[..space])}{key[space..]}"
        : Quote(key);

    private static bool IsPlainColumn(string key) => !key.Contains('(', StringComparison.Ordinal) && !key.Contains(' ', StringComparison.Ordinal);

    [GeneratedRegex("[^a-z0-9_]+")]
    private static partial Regex NonWord();

    internal static string Quote(string identifier) =>
        IsPlain(identifier) ? identifier : "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static bool IsPlain(string identifier) =>
        identifier.Length > 0 && (char.IsAsciiLetterLower(identifier[0]) || identifier[0] == '_') &&
        identifier.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
