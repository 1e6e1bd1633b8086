using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>Statement kinds and the details of transaction control, SET/RESET/SHOW, COPY, EXPLAIN and the SQL-level commands.</summary>
public sealed class PgStatementKindTests
{
    [Theory]
    [InlineData("select 1", "Select", "SelectStmt")]
    [InlineData("values (1), (2)", "Select", "SelectStmt")]
    [InlineData("table tasks", "Select", "SelectStmt")]
    [InlineData("with a as (select 1) select * from a", "Select", "SelectStmt")]
    [InlineData("(select 1) union all (select 2)", "Select", "SelectStmt")]
    [InlineData("insert into tasks (team_id) values ('a')", "Insert", "InsertStmt")]
    [InlineData("update tasks set title = 'x' where team_id = 'a'", "Update", "UpdateStmt")]
    [InlineData("delete from tasks where team_id = 'a'", "Delete", "DeleteStmt")]
    [InlineData("merge into tasks t using src s on t.id = s.id when matched then delete", "Merge", "MergeStmt")]
    [InlineData("begin", "Transaction", "TransactionStmt")]
    [InlineData("set search_path = app", "Set", "VariableSetStmt")]
    [InlineData("reset all", "Reset", "VariableSetStmt")]
    [InlineData("show work_mem", "Show", "VariableShowStmt")]
    [InlineData("copy tasks to stdout", "Copy", "CopyStmt")]
    [InlineData("explain select 1", "Explain", "ExplainStmt")]
    [InlineData("discard all", "Discard", "DiscardStmt")]
    [InlineData("listen jobs", "Listen", "ListenStmt")]
    [InlineData("unlisten *", "Unlisten", "UnlistenStmt")]
    [InlineData("notify jobs, 'payload'", "Notify", "NotifyStmt")]
    [InlineData("prepare q(text) as select * from tasks where team_id = $1", "Prepare", "PrepareStmt")]
    [InlineData("execute q('a')", "Execute", "ExecuteStmt")]
    [InlineData("deallocate q", "Deallocate", "DeallocateStmt")]
    [InlineData("do $$ begin perform 1; end $$", "Do", "DoStmt")]
    [InlineData("call app.archive_tasks('a')", "Call", "CallStmt")]
    [InlineData("create table t (id int)", "Utility", "CreateStmt")]
    [InlineData("create index on tasks (team_id)", "Utility", "IndexStmt")]
    [InlineData("vacuum analyze tasks", "Utility", "VacuumStmt")]
    [InlineData("create table t2 as select * from tasks", "Utility", "CreateTableAsStmt")]
    [InlineData("select * into t3 from tasks", "Utility", "SelectStmt")]
    public void Kind_and_node_type_come_from_the_top_node(string sql, string kind, string nodeType)
    {
        PgStatementAnalysis analysis = PgSql.Single(sql);

        Assert.Equal(kind, analysis.Kind.ToString());
        Assert.Equal(nodeType, analysis.NodeType);
    }

    [Fact]
    public void Begin_carries_isolation_level_and_read_only()
    {
        PgTransactionStatement? begin = PgSql.Single("BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY, DEFERRABLE").Transaction;

        Assert.Equal(new PgTransactionStatement(PgTransactionAction.Begin, "serializable", ReadOnly: true, Deferrable: true), begin);
    }

    [Fact]
    public void Start_transaction_read_write_is_not_read_only()
    {
        PgTransactionStatement? start = PgSql.Single("start transaction isolation level repeatable read read write").Transaction;

        Assert.Equal(new PgTransactionStatement(PgTransactionAction.Start, "repeatable read", ReadOnly: false), start);
    }

    [Fact]
    public void Plain_begin_leaves_the_transaction_modes_unset()
    {
        Assert.Equal(new PgTransactionStatement(PgTransactionAction.Begin), PgSql.Single("begin").Transaction);
    }

    [Theory]
    [InlineData("commit", "Commit")]
    [InlineData("end", "Commit")]
    [InlineData("rollback", "Rollback")]
    [InlineData("abort", "Rollback")]
    [InlineData("savepoint s1", "Savepoint")]
    [InlineData("release savepoint s1", "Release")]
    [InlineData("release s1", "Release")]
    [InlineData("rollback to savepoint s1", "RollbackTo")]
    [InlineData("prepare transaction 'gx'", "PrepareTransaction")]
    [InlineData("commit prepared 'gx'", "CommitPrepared")]
    [InlineData("rollback prepared 'gx'", "RollbackPrepared")]
    public void Transaction_action_is_reported(string sql, string action)
    {
        Assert.Equal(action, PgSql.Single(sql).Transaction!.Action.ToString());
    }

    [Fact]
    public void Savepoint_name_and_prepared_transaction_id_are_reported()
    {
        Assert.Equal("s1", PgSql.Single("rollback to savepoint s1").Transaction!.SavepointName);
        Assert.Equal("gx", PgSql.Single("prepare transaction 'gx'").Transaction!.TransactionId);
    }

    [Fact]
    public void Commit_and_chain_is_reported()
    {
        Assert.True(PgSql.Single("commit and chain").Transaction!.Chain);
    }

    [Fact]
    public void Set_local_reports_name_value_and_scope()
    {
        Assert.Equal(
            new PgSettingStatement(PgSettingAction.Set, "search_path", "app, public", IsLocal: true),
            PgSql.Single("SET LOCAL search_path TO app, public").Setting);
    }

    [Fact]
    public void Set_session_is_not_local()
    {
        Assert.Equal(
            new PgSettingStatement(PgSettingAction.Set, "statement_timeout", "5000"),
            PgSql.Single("set session statement_timeout = 5000").Setting);
    }

    [Fact]
    public void Set_time_zone_uses_the_setting_name_PostgreSQL_uses()
    {
        Assert.Equal(new PgSettingStatement(PgSettingAction.Set, "timezone", "UTC"), PgSql.Single("set time zone 'UTC'").Setting);
    }

    [Fact]
    public void Set_to_default_has_no_value()
    {
        Assert.Equal(new PgSettingStatement(PgSettingAction.SetDefault, "work_mem"), PgSql.Single("set work_mem to default").Setting);
    }

    [Fact]
    public void Set_transaction_lists_its_modes()
    {
        PgSettingStatement? setting = PgSql.Single("set transaction isolation level serializable").Setting;

        Assert.Equal(new PgSettingStatement(PgSettingAction.SetTransaction, "TRANSACTION", "transaction_isolation=serializable"), setting);
    }

    [Fact]
    public void Reset_and_reset_all_are_reset_kinds()
    {
        Assert.Equal(new PgSettingStatement(PgSettingAction.Reset, "search_path"), PgSql.Single("reset search_path").Setting);
        Assert.Equal(new PgSettingStatement(PgSettingAction.ResetAll, null), PgSql.Single("reset all").Setting);
    }

    [Fact]
    public void Show_reports_the_setting_name()
    {
        Assert.Equal(new PgSettingStatement(PgSettingAction.Show, "transaction_isolation"), PgSql.Single("show transaction isolation level").Setting);
    }

    [Fact]
    public void Copy_from_stdin_writes_its_table()
    {
        PgStatementAnalysis copy = PgSql.Single("copy tasks (team_id, title) from stdin with (format csv)");

        Assert.Equal(PgCopyDirection.From, copy.Copy!.Direction);
        Assert.Equal(new PgTableReference(null, "tasks", PgTableRole.Written), copy.Copy.Table);
        Assert.Equal<string>(["team_id", "title"], copy.Copy.Columns);
        Assert.True(copy.Copy.IsClientSide);
        Assert.True(copy.Writes);
    }

    [Theory]
    [InlineData("copy tasks from stdin with (format csv, header, delimiter ';', null 'NULL', quote '''', force_not_null (team_id))")]
    [InlineData("copy tasks from stdin csv header delimiter ';' null 'NULL' quote '''' force not null team_id")]
    public void Copy_options_are_read_in_both_syntaxes(string sql)
    {
        var copy = PgSql.Single(sql).Copy!;

        Assert.Empty(copy.Columns);
        Assert.Equal("csv", copy.Option("format")?.Value);
        Assert.NotNull(copy.Option("header"));
        Assert.Equal(";", copy.Option("delimiter")?.Value);
        Assert.Equal("NULL", copy.Option("null")?.Value);
        Assert.Equal("'", copy.Option("quote")?.Value);
        Assert.Equal<string>(["team_id"], copy.Option("force_not_null")!.Columns);
    }

    [Fact]
    public void Copy_query_to_stdout_reads_the_query_tables()
    {
        PgStatementAnalysis copy = PgSql.Single("copy (select * from tasks where team_id = 'a') to stdout");

        Assert.Equal(PgCopyDirection.To, copy.Copy!.Direction);
        Assert.Null(copy.Copy.Table);
        Assert.False(copy.Writes);
        Assert.Equal("tasks: 'a'", PgSql.Describe(Assert.Single(copy.ShardKeys.Restrictions)));
    }

    [Fact]
    public void Copy_to_a_server_file_is_not_client_side()
    {
        PgCopyStatement copy = PgSql.Single("copy tasks to '/tmp/tasks.csv'").Copy!;

        Assert.Equal("/tmp/tasks.csv", copy.FileName);
        Assert.False(copy.IsClientSide);
    }

    [Fact]
    public void Explain_reports_the_explained_statement_and_its_shard_keys()
    {
        PgStatementAnalysis explain = PgSql.Single("explain (format json) delete from tasks where team_id = $1");

        Assert.Equal(PgStatementKind.Delete, explain.Inner!.Kind);
        Assert.False(explain.IsExplainAnalyze);
        Assert.False(explain.Writes);
        Assert.Equal("tasks: $1", PgSql.Describe(Assert.Single(explain.ShardKeys.Restrictions)));
    }

    [Theory]
    [InlineData("explain analyze delete from tasks where team_id = 'a'", true)]
    [InlineData("explain (analyze) delete from tasks where team_id = 'a'", true)]
    [InlineData("explain (analyze true, buffers) delete from tasks where team_id = 'a'", true)]
    [InlineData("explain (analyze false) delete from tasks where team_id = 'a'", false)]
    [InlineData("explain (analyze off) delete from tasks where team_id = 'a'", false)]
    [InlineData("explain analyze select 1", false)]
    public void Explain_analyze_writes_when_its_statement_writes(string sql, bool writes)
    {
        Assert.Equal(writes, PgSql.Single(sql).Writes);
    }

    [Fact]
    public void Prepare_reports_name_and_prepared_statement_without_writing()
    {
        PgStatementAnalysis prepare = PgSql.Single("prepare upd(text) as update tasks set title = 'x' where team_id = $1");

        Assert.Equal("upd", prepare.Name);
        Assert.Equal(PgStatementKind.Update, prepare.Inner!.Kind);
        Assert.False(prepare.Writes);
        Assert.Equal("tasks: $1", PgSql.Describe(Assert.Single(prepare.ShardKeys.Restrictions)));
    }

    [Fact]
    public void Execute_may_write_and_names_its_prepared_statement()
    {
        PgStatementAnalysis execute = PgSql.Single("execute upd('a')");

        Assert.Equal("upd", execute.Name);
        Assert.True(execute.Writes);
    }

    [Theory]
    [InlineData("deallocate upd", "upd")]
    [InlineData("deallocate prepare upd", "upd")]
    [InlineData("deallocate all", null)]
    public void Deallocate_names_its_statement_or_none_for_all(string sql, string? name)
    {
        Assert.Equal(name, PgSql.Single(sql).Name);
    }

    [Theory]
    [InlineData("discard all", "ALL")]
    [InlineData("discard plans", "PLANS")]
    [InlineData("discard sequences", "SEQUENCES")]
    [InlineData("discard temp", "TEMP")]
    public void Discard_names_its_target(string sql, string target)
    {
        Assert.Equal(target, PgSql.Single(sql).Name);
    }

    [Theory]
    [InlineData("listen jobs", "jobs")]
    [InlineData("unlisten jobs", "jobs")]
    [InlineData("unlisten *", null)]
    [InlineData("notify \"Jobs\", 'x'", "Jobs")]
    public void Listen_unlisten_and_notify_name_their_channel(string sql, string? channel)
    {
        Assert.Equal(channel, PgSql.Single(sql).Name);
    }

    [Fact]
    public void Call_names_the_procedure_and_may_write()
    {
        PgStatementAnalysis call = PgSql.Single("CALL app.Archive_Tasks('a')");

        Assert.Equal("app.archive_tasks", call.Name);
        Assert.True(call.Writes);
    }
}
