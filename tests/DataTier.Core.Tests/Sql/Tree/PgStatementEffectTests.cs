using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>Whether a statement writes, locks rows, or is a plain read a replica can answer.</summary>
public sealed class PgStatementEffectTests
{
    [Theory]
    [InlineData("select * from tasks where team_id = $1")]
    [InlineData("with t as (select * from tasks) select * from t")]
    [InlineData("values (1)")]
    [InlineData("select version()")]
    public void Select_is_a_plain_read(string sql)
    {
        PgStatementAnalysis analysis = PgSql.Single(sql);

        Assert.True(analysis.IsPlainRead);
        Assert.False(analysis.Writes);
    }

    [Theory]
    [InlineData("insert into tasks (team_id) values ('a')")]
    [InlineData("update tasks set title = 'x' where team_id = 'a'")]
    [InlineData("delete from tasks where team_id = 'a'")]
    [InlineData("merge into tasks t using src s on t.id = s.id when matched then delete")]
    public void Data_modification_writes(string sql)
    {
        PgStatementAnalysis analysis = PgSql.Single(sql);

        Assert.True(analysis.Writes);
        Assert.False(analysis.IsPlainRead);
    }

    [Fact]
    public void Select_with_a_data_modifying_CTE_writes()
    {
        PgStatementAnalysis analysis = PgSql.Single("with gone as (delete from tasks where team_id = 'a' returning *) select count(*) from gone");

        Assert.Equal(PgStatementKind.Select, analysis.Kind);
        Assert.True(analysis.HasDataModifyingCte);
        Assert.True(analysis.Writes);
        Assert.False(analysis.IsPlainRead);
    }

    [Fact]
    public void Data_modifying_CTE_nested_in_a_CTE_is_found()
    {
        Assert.True(PgSql.Single("with a as (with b as (insert into t values (1) returning id) select * from b) select * from a").HasDataModifyingCte);
    }

    [Theory]
    [InlineData("select * from tasks where team_id = 'a' for update")]
    [InlineData("select * from tasks where team_id = 'a' for no key update skip locked")]
    [InlineData("select * from tasks t where team_id = 'a' for share of t nowait")]
    [InlineData("select * from tasks where team_id = 'a' for key share")]
    [InlineData("select * from (select * from tasks where team_id = 'a' for update) x")]
    public void Locking_clause_locks_rows_and_is_not_a_plain_read(string sql)
    {
        PgStatementAnalysis analysis = PgSql.Single(sql);

        Assert.True(analysis.LocksRows);
        Assert.False(analysis.Writes);
        Assert.False(analysis.IsPlainRead);
    }

    [Fact]
    public void Locked_relation_names_are_not_tables()
    {
        Assert.Equal("tasks:Read", PgSql.Tables("select * from tasks t where team_id = 'a' for update of t"));
    }

    [Fact]
    public void Select_into_is_DDL_that_writes_the_new_table()
    {
        PgStatementAnalysis analysis = PgSql.Single("select * into archive from tasks where team_id = 'a'");

        Assert.Equal(PgStatementKind.Utility, analysis.Kind);
        Assert.True(analysis.Writes);
        Assert.Equal("tasks:Read, archive:Written", PgSql.Tables("select * into archive from tasks where team_id = 'a'"));
    }

    [Fact]
    public void Create_table_as_is_DDL_that_reads_its_query_tables()
    {
        Assert.Equal("tasks:Read, archive:Written", PgSql.Tables("create table archive as select * from tasks"));
        Assert.True(PgSql.Single("create table archive as select * from tasks").Writes);
    }

    [Theory]
    [InlineData("begin")]
    [InlineData("commit")]
    [InlineData("set search_path = app")]
    [InlineData("show all")]
    [InlineData("listen jobs")]
    [InlineData("notify jobs")]
    [InlineData("deallocate all")]
    [InlineData("discard all")]
    [InlineData("explain select * from tasks")]
    public void Session_and_transaction_statements_do_not_write(string sql)
    {
        PgStatementAnalysis analysis = PgSql.Single(sql);

        Assert.False(analysis.Writes);
        Assert.False(analysis.IsPlainRead);
    }

    [Theory]
    [InlineData("create table t (id int)")]
    [InlineData("alter table tasks add column x int")]
    [InlineData("truncate tasks")]
    [InlineData("do $$ begin delete from tasks; end $$")]
    [InlineData("call archive()")]
    public void DDL_utility_and_code_blocks_may_write(string sql)
    {
        Assert.True(PgSql.Single(sql).Writes);
    }

    [Fact]
    public void Update_that_sets_the_key_column_writes_the_shard_key()
    {
        Assert.True(PgSql.Single("update tasks set team_id = 'b' where team_id = 'a'").WritesShardKey);
    }

    [Fact]
    public void Update_that_sets_the_key_in_a_multi_column_assignment_writes_the_shard_key()
    {
        Assert.True(PgSql.Single("update tasks set (title, team_id) = ('x', 'b') where team_id = 'a'").WritesShardKey);
    }

    [Fact]
    public void Update_of_other_columns_does_not_write_the_shard_key()
    {
        Assert.False(PgSql.Single("update tasks set title = 'x', status = 'done' where team_id = 'a'").WritesShardKey);
    }

    [Fact]
    public void Insert_on_conflict_update_of_the_key_writes_the_shard_key()
    {
        Assert.True(PgSql.Single(
            "insert into tasks (id, team_id) values (1, 'a') on conflict (id) do update set team_id = excluded.team_id").WritesShardKey);
    }

    [Fact]
    public void Merge_update_of_the_key_writes_the_shard_key()
    {
        Assert.True(PgSql.Single(
            "merge into tasks t using src s on t.id = s.id when matched then update set team_id = s.team_id").WritesShardKey);
    }

    [Fact]
    public void Setting_a_column_named_like_a_key_on_an_unsharded_table_is_not_a_key_write()
    {
        Assert.False(PgSql.Single("update teams set team_id = 'b' where team_id = 'a'").WritesShardKey);
    }

    [Fact]
    public void Functions_called_are_listed_qualified_as_written()
    {
        PgStatementAnalysis analysis = PgSql.Single("select now(), pg_catalog.pg_get_userbyid(1), lower(title) from tasks where team_id = lower($1)");

        Assert.Equal(["now", "pg_catalog.pg_get_userbyid", "lower"], analysis.Functions.ToArray());
    }
}
