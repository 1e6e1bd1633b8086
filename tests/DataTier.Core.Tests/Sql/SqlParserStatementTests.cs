using System.Text;
using DataTier.Core.Sql;

namespace DataTier.Core.Tests.Sql;

public sealed class SqlParserStatementTests
{
    private static SqlRejectedException Rejected(string sql, string code)
    {
        var error = Assert.Throws<SqlRejectedException>(() => SqlParser.Parse(sql));
        Assert.Equal(code, error.Code);
        return error;
    }

    [Theory]
    [InlineData("select 1", SqlStatementKind.Select)]
    [InlineData("SeLeCt 1", SqlStatementKind.Select)]
    [InlineData("values (1), (2)", SqlStatementKind.Select)]
    [InlineData("table tasks", SqlStatementKind.Select)]
    [InlineData("(select 1) union (select 2)", SqlStatementKind.Select)]
    [InlineData("((select 1))", SqlStatementKind.Select)]
    [InlineData("/* lead */ -- line\n select 1", SqlStatementKind.Select)]
    [InlineData("select * from tasks for update", SqlStatementKind.Select)]
    [InlineData("insert into tasks (id) values (1)", SqlStatementKind.Insert)]
    [InlineData("INSERT INTO t SELECT 1 ON CONFLICT (id) DO UPDATE SET n = excluded.n", SqlStatementKind.Insert)]
    [InlineData("update tasks set status = 'done' where id = 1", SqlStatementKind.Update)]
    [InlineData("delete from tasks where id = 1", SqlStatementKind.Delete)]
    [InlineData("with a as (select 1) select * from a", SqlStatementKind.Select)]
    [InlineData("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a", SqlStatementKind.Insert)]
    [InlineData("with a as (select 1) update t set x = 1", SqlStatementKind.Update)]
    [InlineData("with a as (select 1) delete from t", SqlStatementKind.Delete)]
    [InlineData("with recursive r(n) as (select 1 union all select n + 1 from r where n < 5) select * from r", SqlStatementKind.Select)]
    [InlineData("with a as materialized (select 1), b as not materialized (select 2) select 1", SqlStatementKind.Select)]
    [InlineData("with \"Q\" as (select 1) (select * from \"Q\")", SqlStatementKind.Select)]
    [InlineData("with recursive t(id) as (select 1) search depth first by id set ord cycle id set is_cycle using path select * from t", SqlStatementKind.Select)]
    [InlineData("with a as (values (1)) table a", SqlStatementKind.Select)]
    public void Parse_classifies_statement_kind_from_its_main_leading_keyword(string sql, SqlStatementKind kind)
    {
        ParsedSql parsed = SqlParser.Parse(sql);
        Assert.Equal(kind, parsed.Kind);
        Assert.Same(sql, parsed.Sql);
    }

    [Fact]
    public void Select_from_a_deleting_CTE_is_a_select_with_a_data_modifying_CTE()
    {
        ParsedSql parsed = SqlParser.Parse("with x as (delete from tasks returning *) select * from x");
        Assert.Equal(SqlStatementKind.Select, parsed.Kind);
        Assert.True(parsed.HasDataModifyingCte);
        Assert.False(parsed.IsReadOnly);
    }

    [Theory]
    [InlineData("with a as (select 1), b as (update t set x = 1 returning x) select * from b")]
    [InlineData("with a as ((insert into t values (1) returning id)) select * from a")]
    [InlineData("with a as (with b as (delete from t returning id) select * from b) select * from a")]
    public void Data_modifying_CTE_anywhere_in_the_WITH_list_is_recorded(string sql)
    {
        Assert.True(SqlParser.Parse(sql).HasDataModifyingCte);
    }

    [Theory]
    [InlineData("WITH a AS (SELECT 1) INSERT INTO t SELECT * FROM a")]
    [InlineData("with a as (select * from t for update) select * from a")]
    [InlineData("select 1")]
    public void Read_only_CTEs_are_not_data_modifying(string sql)
    {
        Assert.False(SqlParser.Parse(sql).HasDataModifyingCte);
    }

    [Theory]
    [InlineData("select * from tasks for update")]
    [InlineData("select * from tasks FOR SHARE skip locked")]
    [InlineData("select * from tasks for no key update nowait")]
    [InlineData("select * from tasks for key share")]
    public void Locking_clause_is_allowed_and_marks_the_select_as_not_read_only(string sql)
    {
        ParsedSql parsed = SqlParser.Parse(sql);
        Assert.Equal(SqlStatementKind.Select, parsed.Kind);
        Assert.True(parsed.HasLockingClause);
        Assert.False(parsed.IsReadOnly);
    }

    [Theory]
    [InlineData("select substring(name from 1 for 3) from tasks")]
    [InlineData("select 'for update' from tasks")]
    public void For_without_a_lock_strength_is_not_a_locking_clause(string sql)
    {
        ParsedSql parsed = SqlParser.Parse(sql);
        Assert.False(parsed.HasLockingClause);
        Assert.True(parsed.IsReadOnly);
    }

    [Theory]
    [InlineData("create table t (id int)", "CREATE")]
    [InlineData("alter table t add column x int", "ALTER")]
    [InlineData("drop table tasks", "DROP")]
    [InlineData("truncate tasks", "TRUNCATE")]
    [InlineData("comment on table t is 'x'", "COMMENT")]
    [InlineData("grant select on t to public", "GRANT")]
    [InlineData("revoke select on t from public", "REVOKE")]
    [InlineData("reindex table t", "REINDEX")]
    [InlineData("cluster t", "CLUSTER")]
    [InlineData("vacuum", "VACUUM")]
    [InlineData("VACUUM FULL tasks", "VACUUM")]
    [InlineData("analyze tasks", "ANALYZE")]
    [InlineData("copy tasks to program 'x'", "COPY")]
    [InlineData("set role postgres", "SET")]
    [InlineData("SET SESSION AUTHORIZATION postgres", "SET")]
    [InlineData("set statement_timeout = 0", "SET")]
    [InlineData("reset all", "RESET")]
    [InlineData("do $$ begin end $$", "DO")]
    [InlineData("call p()", "CALL")]
    [InlineData("begin", "BEGIN")]
    [InlineData("start transaction", "START")]
    [InlineData("commit", "COMMIT")]
    [InlineData("rollback", "ROLLBACK")]
    [InlineData("savepoint a", "SAVEPOINT")]
    [InlineData("release savepoint a", "RELEASE")]
    [InlineData("prepare transaction 'x'", "PREPARE")]
    [InlineData("abort", "ABORT")]
    [InlineData("end", "END")]
    [InlineData("listen x", "LISTEN")]
    [InlineData("notify x", "NOTIFY")]
    [InlineData("unlisten *", "UNLISTEN")]
    [InlineData("lock table tasks", "LOCK")]
    [InlineData("explain analyze delete from tasks", "EXPLAIN")]
    [InlineData("prepare p as select 1", "PREPARE")]
    [InlineData("execute p", "EXECUTE")]
    [InlineData("deallocate all", "DEALLOCATE")]
    [InlineData("declare c cursor for select 1", "DECLARE")]
    [InlineData("fetch next from c", "FETCH")]
    [InlineData("close c", "CLOSE")]
    [InlineData("move next in c", "MOVE")]
    [InlineData("discard all", "DISCARD")]
    [InlineData("load 'auto_explain'", "LOAD")]
    [InlineData("checkpoint", "CHECKPOINT")]
    [InlineData("security label on table t is 'x'", "SECURITY")]
    [InlineData("refresh materialized view v", "REFRESH")]
    [InlineData("import foreign schema s from server x into y", "IMPORT")]
    [InlineData("merge into t using s on t.id = s.id when matched then delete", "MERGE")]
    [InlineData("show all", "SHOW")]
    [InlineData("(copy t to stdout)", "COPY")]
    [InlineData("/* hide */ drop table tasks", "DROP")]
    [InlineData("with x as (select 1) merge into t using x on true when matched then delete", "MERGE")]
    [InlineData("with x as (copy t to stdout) select 1", "COPY")]
    public void Utility_statement_is_refused_naming_its_keyword(string sql, string keyword)
    {
        var error = Rejected(sql, SqlRejectionCodes.UtilityStatement);
        Assert.Contains($"'{keyword}'", error.Message);
    }

    [Theory]
    [InlineData("select * into newtable from tasks")]
    [InlineData("SELECT 1 INTO TEMP t")]
    [InlineData("with a as (select 1) select * into t from a")]
    [InlineData("select 1into t")]
    [InlineData("(select * into t from tasks)")]
    public void Select_into_is_refused(string sql)
    {
        Rejected(sql, SqlRejectionCodes.SelectInto);
    }

    [Theory]
    [InlineData("insert into t values (1)")]
    [InlineData("insert /* c */ into t select 1")]
    [InlineData("with a as (insert into t values (1) returning id) select * from a")]
    [InlineData("select \"into\" from t")]
    [InlineData("select 'into' from t")]
    public void Insert_into_and_quoted_into_are_not_select_into(string sql)
    {
        SqlParser.Parse(sql);
    }

    [Theory]
    [InlineData("select 1; drop table tasks")]
    [InlineData("select 1;select 2")]
    [InlineData("select 1; ; select 2")]
    [InlineData(";select 1")]
    [InlineData("select 1; 'x'")]
    [InlineData("select (1;)")]
    public void Anything_after_a_semicolon_is_refused_as_multiple_statements(string sql)
    {
        Rejected(sql, SqlRejectionCodes.MultipleStatements);
    }

    [Theory]
    [InlineData("select 1;")]
    [InlineData("select 1 ;  ")]
    [InlineData("select 1;;")]
    [InlineData("select 1; -- done")]
    [InlineData("select 1; /* done */\n")]
    [InlineData("select ';' as x")]
    [InlineData("select $$;$$")]
    [InlineData("select $fn$ ; drop table t; $fn$")]
    [InlineData("select 1 -- ; drop\n")]
    [InlineData("/* ; */ select 1")]
    [InlineData("select /* /* ; */ ; */ 1")]
    [InlineData("select e'\\'; drop table t; --'")]
    [InlineData("select \"a;b\" from t")]
    [InlineData("select 'it''s; fine'")]
    public void Semicolons_in_literals_comments_or_at_the_end_are_one_statement(string sql)
    {
        Assert.Equal(SqlStatementKind.Select, SqlParser.Parse(sql).Kind);
    }

    [Fact]
    public void Standard_string_with_backslash_ends_at_the_quote_so_what_follows_is_seen()
    {
        // With standard_conforming_strings on, '\' is a complete string: the statement after it must be caught.
        Rejected("select '\\'; drop table t; --'", SqlRejectionCodes.MultipleStatements);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n\t")]
    [InlineData("-- nothing")]
    [InlineData("/* nothing */")]
    [InlineData(";")]
    [InlineData(" ; ; ")]
    public void Text_without_a_statement_is_refused_as_empty(string sql)
    {
        Rejected(sql, SqlRejectionCodes.EmptyStatement);
    }

    [Theory]
    [InlineData("select 1 /* unterminated")]
    [InlineData("select 'abc")]
    [InlineData("select 1; /* unterminated")]
    public void Unterminated_literal_is_refused(string sql)
    {
        Rejected(sql, SqlRejectionCodes.UnterminatedLiteral);
    }

    [Theory]
    [InlineData("(")]
    [InlineData("1")]
    [InlineData("'x'")]
    [InlineData("with")]
    [InlineData("with x select 1")]
    [InlineData("with x as select 1")]
    [InlineData("with x as (select 1")]
    [InlineData("with x as (select 1),")]
    [InlineData("with x as ()")]
    [InlineData("with x as not (select 1) select 1")]
    [InlineData("with recursive t as (select 1) search depth first by id select 1")]
    public void Unrecognisable_statement_shape_is_a_syntax_error(string sql)
    {
        Rejected(sql, SqlRejectionCodes.SyntaxError);
    }

    [Fact]
    public void Deeply_nested_WITH_is_refused_without_exhausting_the_stack()
    {
        var sql = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            sql.Append("with a as (");
        }

        sql.Append("select 1");
        sql.Append(')', 10_000);
        sql.Append(" select 1");
        Rejected(sql.ToString(), SqlRejectionCodes.SyntaxError);
    }

    [Fact]
    public void Deeply_parenthesised_select_is_accepted()
    {
        string sql = new string('(', 50_000) + "select 1" + new string(')', 50_000);
        Assert.Equal(SqlStatementKind.Select, SqlParser.Parse(sql).Kind);
    }

    [Fact]
    public void Non_ASCII_lookalike_of_a_keyword_is_not_that_keyword()
    {
        // U+017F (long s) upper-cases to 'S' in .NET, but PostgreSQL folds ASCII only: this is not SELECT.
        Rejected("\u017Felect 1", SqlRejectionCodes.UtilityStatement);

        // U+00A0 is an identifier character to PostgreSQL, so "select\u00a0*" is one unknown word.
        Rejected("select\u00a0* from t", SqlRejectionCodes.UtilityStatement);
    }

    [Theory]
    [InlineData("select pg_terminate_backend(123)", "pg_terminate_backend")]
    [InlineData("select PG_CANCEL_BACKEND (1)", "PG_CANCEL_BACKEND")]
    [InlineData("select pg_catalog.pg_reload_conf()", "pg_reload_conf")]
    [InlineData("select \"pg_read_file\"('/etc/passwd')", "pg_read_file")]
    [InlineData("select pg_read_binary_file('x')", "pg_read_binary_file")]
    [InlineData("select * from pg_ls_dir('.')", "pg_ls_dir")]
    [InlineData("select lo_import('/etc/passwd')", "lo_import")]
    [InlineData("select lo_export(1, '/tmp/x')", "lo_export")]
    [InlineData("select dblink_exec('c', 'drop table t')", "dblink_exec")]
    [InlineData("select * from dblink('c', 'select 1') as t(a int)", "dblink")]
    [InlineData("select set_config('role', 'postgres', false)", "set_config")]
    [InlineData("select pg_advisory_lock(1)", "pg_advisory_lock")]
    [InlineData("select pg_advisory_lock_shared(1)", "pg_advisory_lock_shared")]
    [InlineData("select pg_try_advisory_lock(1)", "pg_try_advisory_lock")]
    [InlineData("select query_to_xml('drop table t', true, true, '')", "query_to_xml")]
    [InlineData("select pg_terminate_backend /* c */ (pid) from pg_stat_activity", "pg_terminate_backend")]
    [InlineData("update t set x = (select set_config('a', 'b', false))", "set_config")]
    [InlineData("with a as (select pg_terminate_backend(1)) select 1", "pg_terminate_backend")]
    [InlineData("select U&\"pg\\005fterminate_backend\"(1)", "pg_terminate_backend")]
    [InlineData("select U&\"pg!005fterminate_backend\" UESCAPE '!' (1)", "pg_terminate_backend")]
    [InlineData("select \"pg_catalog\".\"set_config\"('a', 'b', false)", "set_config")]
    public void Call_to_a_forbidden_function_is_refused_naming_it(string sql, string function)
    {
        var error = Rejected(sql, SqlRejectionCodes.ForbiddenFunction);
        Assert.Contains(function, error.Message);
    }

    [Theory]
    [InlineData("select pg_sleep(1)")]
    [InlineData("select pg_advisory_xact_lock(1)")]
    [InlineData("select 'pg_terminate_backend(1)'")]
    [InlineData("select pg_terminate_backend from t")]
    [InlineData("-- pg_terminate_backend(1)\nselect 1")]
    [InlineData("select \"pg_terminate_backend\" from t")]
    [InlineData("select $$ set_config('a','b',false) $$")]
    [InlineData("select my_set_config(1)")]
    public void Forbidden_names_that_are_not_calls_are_allowed(string sql)
    {
        SqlParser.Parse(sql);
    }

    [Fact]
    public void Unicode_in_strings_and_identifiers_is_accepted()
    {
        ParsedSql parsed = SqlParser.Parse("select 'héllo 🎉', \"naïve\", café from tâches where nom = @nom");
        Assert.Equal(SqlStatementKind.Select, parsed.Kind);
        Assert.Equal(new[] { "nom" }, parsed.ParameterNames);
    }

    [Fact]
    public void Null_sql_throws_argument_null()
    {
        Assert.Throws<ArgumentNullException>(() => SqlParser.Parse(null!));
    }

    [Fact]
    public void Random_input_is_either_parsed_or_rejected_never_crashes()
    {
        // Fragments chosen to collide: quotes, dollars, comment starts, operators, parameters, keywords.
        string[] pieces =
        [
            "'", "''", "\"", "$", "$$", "$a$", "e'", "E'\\", "U&\"", "--", "/*", "*/", "\n", " ", ";", "(", ")", "[", "]",
            "@", "@p", "@>", "::", ":", "-", "+", "=", "1", ".5", "0x", "select", "with", "as", "into", "insert", "for",
            "update", "é", "\u00a0", "\\", ",", "x", "in", "array", "uescape", "pg_sleep",
        ];
        var random = new Random(12345);
        var builder = new StringBuilder();
        for (int run = 0; run < 20_000; run++)
        {
            builder.Clear();
            int length = random.Next(1, 16);
            for (int i = 0; i < length; i++)
            {
                builder.Append(pieces[random.Next(pieces.Length)]);
            }

            string sql = builder.ToString();
            try
            {
                ParsedSql parsed = SqlParser.Parse(sql);
                Assert.Equal(16, parsed.FingerprintIdHex.Length);
                Assert.Equal(parsed.ParameterNames.Length == 0, ReferenceEquals(sql, parsed.PositionalSql));
            }
            catch (SqlRejectedException)
            {
            }
        }
    }
}
