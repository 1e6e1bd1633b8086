namespace DataTier.Core.Sql;

/// <summary>Quotes names and literals that DataTier itself puts into SQL (never values from a request: those are bound).</summary>
public static class SqlQuoting
{
    /// <summary>Quotes a column or table name; any name is safe because quotes inside are doubled.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Quotes a string literal (standard_conforming_strings on, as on every supported server).</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
}
