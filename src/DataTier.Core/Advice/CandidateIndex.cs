namespace DataTier.Core.Advice;

/// <summary>A b-tree index the advisor considers: a table and an ordered list of columns.</summary>
public sealed record CandidateIndex(string Schema, string Table, IReadOnlyList<string> Columns)
{
    /// <summary>Identity of the candidate: <c>schema.table(c1,c2)</c>.</summary>
    public string Key { get; } = $"{Schema}.{Table}({string.Join(',', Columns)})";

    /// <summary>The name DataTier gives the index (at most 63 bytes, PostgreSQL's limit).</summary>
    public string Name
    {
        get
        {
            string name = $"dt_{Table}_{string.Join('_', Columns)}_idx";
            return name.Length <= 63 ? name : name[..54] + "_" + Convert.ToHexStringLower(BitConverter.GetBytes(Key.GetHashCode(StringComparison.Ordinal)));
        }
    }

    /// <summary>The column list as SQL.</summary>
    public string ColumnList => string.Join(", ", Columns.Select(Quote));

    /// <summary>The statement hypopg costs.</summary>
    public string HypotheticalSql => $"CREATE INDEX ON {Quote(Schema)}.{Quote(Table)} ({ColumnList})";

    /// <summary>The statement a migration runs.</summary>
    public string CreateSql => $"CREATE INDEX CONCURRENTLY IF NOT EXISTS {Quote(Name)} ON {Quote(Schema)}.{Quote(Table)} ({ColumnList})";

    /// <summary>Its rollback.</summary>
    public string DropSql => $"DROP INDEX CONCURRENTLY IF EXISTS {Quote(Schema)}.{Quote(Name)}";

    /// <summary>Whether an index on <paramref name="existing"/> columns (in order) already serves every lookup this one would.</summary>
    public bool IsCoveredBy(IReadOnlyList<string> existing) =>
        existing.Count >= Columns.Count && Columns.Select((c, i) => existing[i] == c).All(x => x);

    internal static string Quote(string identifier) =>
        IsPlain(identifier) ? identifier : "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static bool IsPlain(string identifier) =>
        identifier.Length > 0 && (char.IsAsciiLetterLower(identifier[0]) || identifier[0] == '_') &&
        identifier.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}
