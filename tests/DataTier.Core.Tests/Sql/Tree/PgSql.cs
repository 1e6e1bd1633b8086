using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>Shared helpers: a sharded-table map like the demo schema's, and one-statement shortcuts.</summary>
internal static class PgSql
{
    public static readonly IReadOnlyDictionary<string, string> ShardedTables = new Dictionary<string, string>
    {
        ["tasks"] = "team_id",
        ["comments"] = "team_id",
        ["public.activity_logs"] = "team_id",
        ["billing.invoices"] = "account_id",
    };

    public static PgSqlAnalysis Analyze(string sql) => PgSqlAnalyzer.Analyze(sql, ShardedTables);

    public static PgStatement Statement(string sql)
    {
        PgSqlAnalysis analysis = Analyze(sql);
        return Assert.Single(analysis.Statements);
    }

    public static PgStatementAnalysis Single(string sql) => Statement(sql).Analysis;

    public static ShardKeyAnalysis Keys(string sql) => Single(sql).ShardKeys;

    /// <summary>The restriction of one table, rendered: <c>tasks: 'a', $1</c>.</summary>
    public static string Describe(ShardKeyRestriction restriction) =>
        $"{restriction.Table.QualifiedName}: {string.Join(", ", restriction.Values)}";

    /// <summary>All restrictions of a statement, rendered and joined with <c>"; "</c>.</summary>
    public static string Restrictions(string sql) => string.Join("; ", Keys(sql).Restrictions.Select(Describe));

    public static string Tables(string sql) =>
        string.Join(", ", Single(sql).Tables.Select(static t => $"{t.QualifiedName}:{t.Role}"));
}
