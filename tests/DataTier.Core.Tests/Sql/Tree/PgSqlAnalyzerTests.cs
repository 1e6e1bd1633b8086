using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>The whole-text analysis: statements split with their texts and offsets, hints per statement, digests, parse tree, errors.</summary>
public sealed class PgSqlAnalyzerTests
{
    [Fact]
    public void Multi_statement_text_is_split_with_semicolons_inside_strings_and_dollar_quotes()
    {
        const string sql = "insert into tasks (team_id, title) values ('a', 'x;y'); do $$ begin perform 1; end $$; select ';' as \";\"";

        PgSqlAnalysis analysis = PgSql.Analyze(sql);

        Assert.Equal(
            ["insert into tasks (team_id, title) values ('a', 'x;y')", "do $$ begin perform 1; end $$", "select ';' as \";\""],
            analysis.Statements.Select(static s => s.Text));
        Assert.Equal([PgStatementKind.Insert, PgStatementKind.Do, PgStatementKind.Select], analysis.Statements.Select(static s => s.Analysis.Kind));
    }

    [Fact]
    public void Statement_offset_points_at_its_text_in_the_whole_string()
    {
        const string sql = "select 'ü😀';\n  update tasks set title = 'é' where team_id = 'a';";

        PgStatement second = PgSql.Analyze(sql).Statements[1];

        Assert.Equal(second.Text, sql.Substring(second.Offset, second.Length));
        Assert.StartsWith("update", second.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Offsets_stay_right_over_many_statements_with_multibyte_text()
    {
        string sql = string.Concat(Enumerable.Range(0, 50).Select(static i => $"select 'é{i}😀' as \"ü\";\n"));

        PgSqlAnalysis analysis = PgSql.Analyze(sql);

        Assert.Equal(50, analysis.Statements.Length);
        Assert.All(analysis.Statements, s => Assert.Equal(s.Text, sql.Substring(s.Offset, s.Length)));
    }

    [Fact]
    public void Leading_comment_belongs_to_the_statement_it_precedes()
    {
        PgSqlAnalysis analysis = PgSql.Analyze("select 1; /* lead */ select 2");

        Assert.Equal("/* lead */ select 2", analysis.Statements[1].Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData(";")]
    [InlineData(" ; ; ")]
    [InlineData("-- nothing here")]
    public void Text_without_statements_is_empty(string sql)
    {
        Assert.True(PgSql.Analyze(sql).IsEmpty);
    }

    [Fact]
    public void Empty_statements_between_semicolons_are_skipped()
    {
        Assert.Equal(["select 1", "select 2"], PgSql.Analyze("select 1;;select 2;").Statements.Select(static s => s.Text));
    }

    [Fact]
    public void Each_statement_takes_the_hints_of_its_own_comments()
    {
        PgSqlAnalysis analysis = PgSql.Analyze(
            "/* shard_key='a' */ select * from tasks where team_id = 'a'; select * from tasks /* shard_key='b' */; -- shard_key='c'\nselect 3");

        Assert.Equal(["a", "b", "c"], analysis.Statements.Select(static s => s.Hint(SqlCommentHint.ShardKey)));
        Assert.Equal(3, analysis.Hints.Length);
    }

    [Fact]
    public void Hint_inside_a_string_literal_is_not_taken()
    {
        PgStatement statement = PgSql.Statement("select '/* shard_key=''evil'' */' from tasks where team_id = $1 /* shard_key='good' */");

        Assert.Equal("good", statement.Hint(SqlCommentHint.ShardKey));
        Assert.Single(statement.Hints);
    }

    [Fact]
    public void Statement_fingerprint_is_that_of_its_own_text()
    {
        PgSqlAnalysis analysis = PgSql.Analyze("select * from tasks where team_id = 'a'; select * from tasks where team_id = $1");

        Assert.Equal(analysis.Statements[0].Fingerprint, analysis.Statements[1].Fingerprint);
        Assert.Equal(PgQuery.Fingerprint("select * from tasks where team_id = 'x'"), analysis.Statements[0].Fingerprint);
    }

    [Fact]
    public void Statement_normalized_text_replaces_its_constants()
    {
        PgSqlAnalysis analysis = PgSql.Analyze("select 1; select * from tasks where team_id = 'a' and id = $1 limit 10");

        Assert.Equal("select * from tasks where team_id = $2 and id = $1 limit $3", analysis.Statements[1].NormalizedText);
    }

    [Fact]
    public void Parse_tree_of_a_statement_is_its_node()
    {
        PgStatement statement = PgSql.Statement("select t.\"Id\" from tasks t where t.team_id = $1");

        using JsonDocument tree = statement.OpenParseTree();
        JsonElement select = tree.RootElement.GetProperty("SelectStmt");
        Assert.Equal("tasks", select.GetProperty("fromClause")[0].GetProperty("RangeVar").GetProperty("relname").GetString());
    }

    [Fact]
    public void Syntax_error_in_a_later_statement_reports_its_position_in_the_whole_text()
    {
        const string sql = "select 1; selec 2";

        var error = Assert.Throws<PgQueryException>(() => PgSql.Analyze(sql));

        Assert.Equal(PgQueryException.SyntaxError, error.SqlState);
        Assert.Equal("syntax error at or near \"selec\"", error.Message);
        Assert.Equal(11, error.Position);
        Assert.Equal(10, error.Offset);
    }

    [Fact]
    public void Syntax_error_at_the_end_of_the_text_has_a_position()
    {
        var error = Assert.Throws<PgQueryException>(() => PgSql.Analyze("select * from tasks where"));

        Assert.Equal("syntax error at end of input", error.Message);
        Assert.Equal(26, error.Position);
    }

    [Fact]
    public void Tree_deeper_than_the_JSON_limit_is_refused_as_statement_too_complex()
    {
        string sql = "select " + string.Join(" + ", Enumerable.Repeat("1", PgSqlAnalyzer.MaxTreeDepth));

        var error = Assert.Throws<PgQueryException>(() => PgSql.Analyze(sql));

        Assert.Equal(PgQueryException.StatementTooComplex, error.SqlState);
    }

    [Fact]
    public void Tree_deeper_than_the_stack_allows_is_refused_instead_of_overflowing()
    {
        // Within the JSON depth limit, but on a thread with a small stack: the walk stops before the stack runs out.
        string sql = "select * from tasks where team_id = 'a' and x = " + string.Join(" + ", Enumerable.Repeat("1", 900));
        Exception? caught = null;
        var thread = new Thread(() => caught = Record.Exception(() => PgSql.Analyze(sql)), maxStackSize: 256 * 1024);

        thread.Start();
        thread.Join();

        var error = Assert.IsType<PgQueryException>(caught);
        Assert.Equal(PgQueryException.StatementTooComplex, error.SqlState);
        Assert.IsType<InsufficientExecutionStackException>(error.InnerException);
    }

    [Fact]
    public void Moderately_deep_expression_is_analysed()
    {
        string sql = "select * from tasks where team_id = 'a' and x = " + string.Join(" + ", Enumerable.Repeat("1", 300));

        Assert.Equal("tasks: 'a'", PgSql.Restrictions(sql));
    }

    [Fact]
    public void Long_flat_lists_are_not_too_deep()
    {
        string sql = "select * from tasks where team_id in (" + string.Join(", ", Enumerable.Range(0, 5000).Select(static i => $"'t{i}'")) + ")";

        Assert.Equal(5000, Assert.Single(PgSql.Keys(sql).Restrictions).Values.Length);
    }

    [Fact]
    public void One_analysis_is_read_from_many_threads_alike()
    {
        PgStatement statement = PgSql.Statement("select * from tasks t join comments c using (team_id) where t.team_id = $1");

        string[] seen = new string[64];
        Parallel.For(0, seen.Length, i =>
        {
            using JsonDocument tree = statement.OpenParseTree();
            seen[i] = $"{PgSql.Describe(statement.Analysis.ShardKeys.Restrictions[1])} {tree.RootElement.EnumerateObject().First().Name}";
        });

        Assert.All(seen, static s => Assert.Equal("comments: $1 SelectStmt", s));
    }
}
