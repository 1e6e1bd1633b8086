using System.Text;
using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>The libpg_query binding itself: loading, the four calls, errors and their positions, input checks.</summary>
public sealed class PgQueryTests
{
    [Fact]
    public void Library_is_resolved_to_a_file_Debian_installs()
    {
        Assert.Contains(PgQueryLibrary.LoadedName, PgQueryLibrary.CandidateNames);
        Assert.StartsWith("libpg_query.so", Path.GetFileName(PgQueryLibrary.LoadedName), StringComparison.Ordinal);
    }

    [Fact]
    public void Versioned_runtime_file_loads_without_the_dev_symlink()
    {
        Assert.True(PgQueryLibrary.TryLoad(["libpg_query.so.1504.0"], out nint handle, out string name, out _));

        Assert.NotEqual(0, handle);
        Assert.Equal("libpg_query.so.1504.0", name);
    }

    [Fact]
    public void Missing_library_message_names_the_Debian_package_and_the_names_tried()
    {
        bool loaded = PgQueryLibrary.TryLoad(["libpg_query_missing.so.0", "/nonexistent/libpg_query.so"], out _, out _, out string error);

        Assert.False(loaded);
        Assert.Contains("apt-get install libpg-query1504.0", error, StringComparison.Ordinal);
        Assert.Contains("libpg_query_missing.so.0, /nonexistent/libpg_query.so", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseToJson_returns_PostgreSQL_15_parse_tree()
    {
        byte[] json = PgQuery.ParseToJson(PgQueryInput.Create("select 1"));

        using JsonDocument document = JsonDocument.Parse(json);
        Assert.Equal(150001, document.RootElement.GetProperty("version").GetInt32());
        Assert.True(document.RootElement.GetProperty("stmts")[0].GetProperty("stmt").TryGetProperty("SelectStmt", out _));
    }

    [Fact]
    public void Syntax_error_carries_message_sqlstate_and_one_based_position()
    {
        var error = Assert.Throws<PgQueryException>(() => PgQuery.ParseToJson(PgQueryInput.Create("select id form tasks")));

        Assert.Equal("42601", error.SqlState);
        Assert.Equal("syntax error at or near \"tasks\"", error.Message);
        Assert.Equal(16, error.Position);
        Assert.Equal(15, error.Offset);
        Assert.Equal("scan.l", error.FileName);
        Assert.Equal("scanner_yyerror", error.FunctionName);
    }

    [Fact]
    public void Syntax_error_position_counts_characters_not_UTF8_bytes()
    {
        const string sql = "select 'é😀' froom t";

        var error = Assert.Throws<PgQueryException>(() => PgQuery.ParseToJson(PgQueryInput.Create(sql)));

        // PostgreSQL counts code points: the emoji is one character to it and two UTF-16 chars to .NET.
        Assert.Equal(19, error.Position);
        Assert.Equal(sql.IndexOf(" t", StringComparison.Ordinal) + 1, error.Offset);
    }

    [Fact]
    public void Unterminated_string_is_a_syntax_error_at_its_start()
    {
        var error = Assert.Throws<PgQueryException>(() => PgQuery.ParseToJson(PgQueryInput.Create("select 'abc")));

        Assert.Equal("42601", error.SqlState);
        Assert.Equal("unterminated quoted string at or near \"'abc\"", error.Message);
        Assert.Equal(8, error.Position);
    }

    [Fact]
    public void Embedded_NUL_is_refused_before_reaching_the_parser()
    {
        var error = Assert.Throws<PgQueryException>(() => PgQueryInput.Create("select 1\0; drop table tasks"));

        Assert.Equal("22021", error.SqlState);
        Assert.Equal(8, error.Offset);
        Assert.Equal(9, error.Position);
    }

    [Fact]
    public void Unpaired_surrogate_is_refused()
    {
        var error = Assert.Throws<PgQueryException>(() => PgQueryInput.Create("select '\uD800'"));

        Assert.Equal("22021", error.SqlState);
        Assert.Equal(8, error.Offset);
    }

    [Fact]
    public void Split_keeps_semicolons_inside_strings_dollar_quotes_identifiers_and_comments()
    {
        const string sql = "select 'a;b'; select $$x;y$$; select 1 as \";\" /* ; */; select $tag$;$tag$";

        string[] statements = [.. PgQuery.Split(sql).Select(span => sql.Substring(span.Offset, span.Length).Trim())];

        Assert.Equal(["select 'a;b'", "select $$x;y$$", "select 1 as \";\" /* ; */", "select $tag$;$tag$"], statements);
    }

    [Fact]
    public void Split_offsets_are_UTF16_indexes_after_multibyte_text()
    {
        const string sql = "select 'ü😀'; select 2";

        PgStatementSpan second = PgQuery.Split(sql)[1];

        Assert.Equal(" select 2", sql.Substring(second.Offset, second.Length));
    }

    [Fact]
    public void Split_of_CREATE_RULE_with_several_actions_is_one_statement()
    {
        Assert.Single(PgQuery.Split("create rule r as on insert to t do also (select 1; select 2)"));
    }

    [Fact]
    public void Fingerprint_ignores_constants_comments_whitespace_and_keyword_case()
    {
        string a = PgQuery.Fingerprint("select * from tasks where team_id = 'a' and id = 1");
        string b = PgQuery.Fingerprint("SELECT *\n FROM tasks /* x */ WHERE team_id = $1 AND id = 42");

        Assert.Equal(a, b);
        Assert.Matches("^[0-9a-f]{16}$", a);
    }

    [Fact]
    public void Fingerprint_differs_for_different_tables()
    {
        Assert.NotEqual(PgQuery.Fingerprint("select * from tasks"), PgQuery.Fingerprint("select * from comments"));
    }

    [Fact]
    public void Normalize_numbers_constants_after_existing_parameters_and_keeps_comments()
    {
        string normalized = PgQuery.Normalize("select $1, 5, 'a' /* c */ from t where x = -5");

        Assert.Equal("select $1, $2, $3 /* c */ from t where x = $4", normalized);
    }

    [Fact]
    public void Deep_expression_that_would_overflow_a_pool_thread_is_parsed_and_normalized_on_a_large_stack()
    {
        // 100,000 left-deep terms: libpg_query's recursive JSON writer and normalizer need ~13 MB and ~39 MB of stack here.
        var input = PgQueryInput.Create("select 1" + string.Concat(Enumerable.Repeat("+1", 100_000)));

        byte[] json = PgQuery.ParseToJson(input);
        string normalized = PgQuery.Normalize(input);

        Assert.True(json.Length > 1_000_000);
        Assert.StartsWith("select $1+$2+", normalized, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_longer_than_the_parser_limit_is_refused_as_too_complex()
    {
        var input = PgQueryInput.Create("select 1 " + new string(' ', PgQuery.MaxInputBytes));

        var error = Assert.Throws<PgQueryException>(() => PgQuery.ParseToJson(input));

        Assert.Equal(PgQueryException.StatementTooComplex, error.SqlState);
    }

    [Fact]
    public void Parser_error_on_a_large_input_is_rethrown_from_its_thread()
    {
        var input = PgQueryInput.Create("select 1" + string.Concat(Enumerable.Repeat("+1", 5_000)) + " froom t");

        var error = Assert.Throws<PgQueryException>(() => PgQuery.ParseToJson(input));

        Assert.Equal(PgQueryException.SyntaxError, error.SqlState);
        Assert.Equal(10_016, error.Position);
    }

    [Fact]
    public void Parsing_from_many_threads_at_once_gives_the_same_trees()
    {
        string[] queries = [.. Enumerable.Range(0, 64).Select(static i => $"select * from tasks where team_id = 'team-{i}' and id in ({i}, {i + 1})")];
        string[] expected = [.. queries.Select(static q => Encoding.UTF8.GetString(PgQuery.ParseToJson(PgQueryInput.Create(q))))];

        string[] actual = new string[queries.Length];
        Parallel.For(0, queries.Length * 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            int q = i % queries.Length;
            actual[q] = Encoding.UTF8.GetString(PgQuery.ParseToJson(PgQueryInput.Create(queries[q])));
        });

        Assert.Equal(expected, actual);
    }
}
