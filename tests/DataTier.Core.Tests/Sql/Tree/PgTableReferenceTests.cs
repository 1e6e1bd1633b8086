using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>Every table a statement names, folded as PostgreSQL folds it, with its role.</summary>
public sealed class PgTableReferenceTests
{
    [Fact]
    public void Unquoted_names_are_folded_and_quoted_names_kept()
    {
        Assert.Equal("tasks:Read, Billing.Invoices:Read", PgSql.Tables("select * from TASKS, \"Billing\".\"Invoices\""));
    }

    [Fact]
    public void Schema_is_kept_as_written_and_absent_when_unqualified()
    {
        PgStatementAnalysis analysis = PgSql.Single("select * from public.tasks join comments using (team_id)");

        Assert.Equal(
            [new PgTableReference("public", "tasks", PgTableRole.Read), new PgTableReference(null, "comments", PgTableRole.Read)],
            analysis.Tables.ToArray());
    }

    [Fact]
    public void Insert_target_is_written_and_select_source_read()
    {
        Assert.Equal("archive:Written, tasks:Read", PgSql.Tables("insert into archive select * from tasks where team_id = 'a'"));
    }

    [Fact]
    public void Update_from_reads_the_joined_tables()
    {
        Assert.Equal("tasks:Written, users:Read", PgSql.Tables("update tasks t set title = u.name from users u where u.id = t.user_id and t.team_id = 'a'"));
    }

    [Fact]
    public void Delete_using_reads_the_joined_tables()
    {
        Assert.Equal("comments:Written, tasks:Read", PgSql.Tables("delete from comments c using tasks t where c.task_id = t.id and t.team_id = 'a'"));
    }

    [Fact]
    public void Merge_writes_its_target_and_reads_its_source()
    {
        Assert.Equal("tasks:Written, staged:Read", PgSql.Tables("merge into tasks t using staged s on t.id = s.id when matched then delete"));
    }

    [Fact]
    public void Tables_in_subqueries_joins_and_set_operations_are_read()
    {
        Assert.Equal(
            "tasks:Read, users:Read, teams:Read, archived_tasks:Read, comments:Read",
            PgSql.Tables("""
                select t.id from tasks t left join users u on u.id = t.user_id
                where t.team_id in (select id from teams) and exists (select 1 from archived_tasks a where a.id = t.id)
                union all select c.task_id from comments c
                """));
    }

    [Fact]
    public void Tables_in_function_arguments_and_lateral_subqueries_are_read()
    {
        Assert.Equal(
            "tasks:Read, comments:Read, labels:Read",
            PgSql.Tables("""
                select * from tasks t,
                  lateral (select count(*) from comments c where c.task_id = t.id) n,
                  unnest(array(select name from labels)) l
                """));
    }

    [Fact]
    public void CTE_names_are_not_tables()
    {
        Assert.Equal("tasks:Read", PgSql.Tables("with recent as (select * from tasks) select * from recent r join recent r2 using (id)"));
    }

    [Fact]
    public void Schema_qualified_name_is_a_table_even_when_a_CTE_has_its_name()
    {
        Assert.Equal("tasks:Read, public.tasks:Read", PgSql.Tables("with tasks as (select * from tasks) select * from public.tasks"));
    }

    [Fact]
    public void Non_recursive_CTE_referring_to_its_own_name_reads_the_table()
    {
        // WITH tasks AS (SELECT * FROM tasks): the inner "tasks" is the table, the CTE is not visible to itself.
        Assert.Equal("tasks:Read", PgSql.Tables("with tasks as (select * from tasks where team_id = 'a') select * from tasks"));
    }

    [Fact]
    public void Recursive_CTE_referring_to_itself_is_not_a_table()
    {
        Assert.Equal(
            "tasks:Read",
            PgSql.Tables("with recursive tree as (select id, parent_id from tasks where id = 1 union all select t.id, t.parent_id from tasks t join tree on t.parent_id = tree.id) select * from tree"));
    }

    [Fact]
    public void Later_CTE_sees_an_earlier_one()
    {
        Assert.Equal("tasks:Read", PgSql.Tables("with a as (select * from tasks), b as (select * from a) select * from b"));
    }

    [Fact]
    public void DDL_targets_are_written()
    {
        Assert.Equal("tasks:Written", PgSql.Tables("alter table tasks add column x int"));
        Assert.Equal("tasks:Written, comments:Written", PgSql.Tables("truncate tasks, comments"));
        Assert.Equal("tasks:Written", PgSql.Tables("create index concurrently on tasks (team_id)"));
    }

    [Fact]
    public void Drop_table_names_its_tables()
    {
        Assert.Equal("tasks:Written, app.old:Written", PgSql.Tables("drop table if exists tasks, app.old"));
    }

    [Fact]
    public void Create_view_reads_its_query_tables_and_writes_the_view()
    {
        Assert.Equal("open_tasks:Written, tasks:Read", PgSql.Tables("create view open_tasks as select * from tasks where status = 'open'"));
    }

    [Fact]
    public void Catalog_tables_are_marked()
    {
        PgStatementAnalysis analysis = PgSql.Single("select * from pg_catalog.pg_class, information_schema.columns, tasks");

        Assert.Equal([true, true, false], analysis.Tables.Select(static t => t.IsCatalog));
    }

    [Fact]
    public void A_table_read_and_written_is_listed_once_per_role()
    {
        Assert.Equal("tasks:Written, tasks:Read", PgSql.Tables("insert into tasks (team_id, title) select team_id, title from tasks where team_id = 'a'"));
    }
}
