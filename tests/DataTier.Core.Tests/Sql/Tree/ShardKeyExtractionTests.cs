using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Tests.Sql.Tree;

/// <summary>
/// Shard-key restrictions, with SQL as drivers send it (sharded: tasks, comments, public.activity_logs by team_id;
/// billing.invoices by account_id).
/// </summary>
public sealed class ShardKeyExtractionTests
{
    [Fact]
    public void Key_equal_to_a_string_constant_restricts_the_table()
    {
        Assert.Equal("tasks: 'team-42'", PgSql.Restrictions("select * from tasks where team_id = 'team-42'"));
    }

    [Fact]
    public void Constant_on_the_left_restricts_too()
    {
        Assert.Equal("tasks: 'team-42'", PgSql.Restrictions("select * from tasks where 'team-42' = team_id"));
    }

    [Fact]
    public void Npgsql_positional_parameter_reports_its_number()
    {
        ShardKeyAnalysis keys = PgSql.Keys("SELECT task_id, title FROM tasks WHERE status = $1 AND team_id = $2 ORDER BY created_at DESC LIMIT $3");

        Assert.Equal(ShardKeyValue.Parameter(2), Assert.Single(Assert.Single(keys.Restrictions).Values));
        Assert.False(keys.HasUnrestrictedShardedTable);
    }

    [Fact]
    public void EF_Core_quoted_identifiers_with_alias_are_matched()
    {
        const string sql = """SELECT t."Id", t."Title" FROM "tasks" AS t WHERE t."team_id" = $1""";

        Assert.Equal("tasks: $1", PgSql.Restrictions(sql));
    }

    [Fact]
    public void Quoted_identifier_with_upper_case_is_a_different_column()
    {
        ShardKeyAnalysis keys = PgSql.Keys("""SELECT * FROM tasks WHERE "Team_Id" = $1""");

        Assert.Empty(keys.Restrictions);
        Assert.True(keys.HasUnrestrictedShardedTable);
    }

    [Theory]
    [InlineData("select * from tasks where team_id = 'a'::text", "tasks: 'a'")]
    [InlineData("select * from tasks where team_id = $1::text", "tasks: $1")]
    [InlineData("select * from tasks where team_id = cast($1 as varchar)", "tasks: $1")]
    [InlineData("select * from tasks where team_id = text 'a'", "tasks: 'a'")]
    [InlineData("select * from tasks where team_id = $1::varchar::text", "tasks: $1")]
    public void Casts_around_the_constant_or_parameter_are_looked_through(string sql, string expected)
    {
        Assert.Equal(expected, PgSql.Restrictions(sql));
    }

    [Theory]
    [InlineData("select * from tasks where team_id = 42", "42")]
    [InlineData("select * from tasks where team_id = 0", "0")]
    [InlineData("select * from tasks where team_id = -7", "-7")]
    [InlineData("select * from tasks where team_id = 2.50", "2.50")]
    [InlineData("select * from tasks where team_id = 9999999999999999999", "9999999999999999999")]
    [InlineData("select * from tasks where team_id = E'a\\'b'", "a'b")]
    [InlineData("select * from tasks where team_id = 'it''s'", "it's")]
    public void Constants_are_reported_as_their_text(string sql, string text)
    {
        Assert.Equal(ShardKeyValue.Constant(text), Assert.Single(Assert.Single(PgSql.Keys(sql).Restrictions).Values));
    }

    [Theory]
    [InlineData("select * from tasks where team_id = null")]
    [InlineData("select * from tasks where team_id is null")]
    public void Null_is_a_null_key(string sql)
    {
        Assert.Equal(ShardKeyValue.Null, Assert.Single(Assert.Single(PgSql.Keys(sql).Restrictions).Values));
    }

    [Fact]
    public void Dapper_style_IN_list_gives_every_value()
    {
        Assert.Equal("tasks: $1, $2, $3", PgSql.Restrictions("select * from tasks where team_id in ($1, $2, $3) and status = $4"));
    }

    [Fact]
    public void IN_list_of_constants_drops_duplicates()
    {
        Assert.Equal("tasks: 'a', 'b'", PgSql.Restrictions("select * from tasks where team_id in ('a', 'b', 'a')"));
    }

    [Fact]
    public void IN_list_with_an_expression_does_not_restrict()
    {
        Assert.True(PgSql.Keys("select * from tasks where team_id in ('a', lower($1))").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void NOT_IN_does_not_restrict()
    {
        Assert.True(PgSql.Keys("select * from tasks where team_id not in ('a', 'b')").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Equals_ANY_of_an_array_parameter_reports_an_array_parameter()
    {
        Assert.Equal("tasks: any($1)", PgSql.Restrictions("SELECT * FROM tasks WHERE team_id = ANY($1)"));
    }

    [Fact]
    public void Equals_ANY_of_an_array_literal_gives_its_elements()
    {
        Assert.Equal("tasks: 'a', 'b'", PgSql.Restrictions("select * from tasks where team_id = any(array['a', 'b'])"));
    }

    [Fact]
    public void Key_equality_anywhere_in_the_top_level_AND_chain_restricts()
    {
        Assert.Equal("tasks: $3", PgSql.Restrictions("select * from tasks where status = $1 and (priority > $2 and team_id = $3) and id > 0"));
    }

    [Fact]
    public void OR_of_key_equalities_gives_every_branch_value()
    {
        Assert.Equal("tasks: 'a', 'b', $1", PgSql.Restrictions("select * from tasks where team_id = 'a' or team_id = 'b' or team_id = $1"));
    }

    [Fact]
    public void OR_of_branches_that_each_restrict_the_key_gives_their_union()
    {
        Assert.Equal("tasks: 'a', 'b', 'c'", PgSql.Restrictions("select * from tasks where (team_id = 'a' and id = 1) or team_id in ('b', 'c')"));
    }

    [Fact]
    public void OR_with_a_branch_that_is_not_a_key_equality_does_not_restrict()
    {
        ShardKeyAnalysis keys = PgSql.Keys("select * from tasks where team_id = 'a' or status = 'open'");

        Assert.Empty(keys.Restrictions);
        Assert.True(keys.HasUnrestrictedShardedTable);
        Assert.Equal([new PgTableReference(null, "tasks", PgTableRole.Read)], keys.UnrestrictedTables.ToArray());
    }

    [Theory]
    [InlineData("select * from tasks where team_id <> 'a'")]
    [InlineData("select * from tasks where team_id like 'a%'")]
    [InlineData("select * from tasks where not (team_id = 'a')")]
    [InlineData("select * from tasks where lower(team_id) = 'a'")]
    [InlineData("select * from tasks where team_id = lower($1)")]
    [InlineData("select * from tasks where team_id = other_column")]
    [InlineData("select * from tasks where team_id::text = 'a'")]
    [InlineData("select * from tasks")]
    public void Anything_but_an_equality_with_a_constant_or_parameter_leaves_the_table_unrestricted(string sql)
    {
        ShardKeyAnalysis keys = PgSql.Keys(sql);

        Assert.Empty(keys.Restrictions);
        Assert.True(keys.HasUnrestrictedShardedTable);
        Assert.False(keys.ReferencesNoShardedTable);
    }

    [Fact]
    public void Column_of_another_table_with_the_key_name_does_not_restrict()
    {
        Assert.True(PgSql.Keys("select * from tasks t join teams m on m.id = t.id where m.team_id = 'a'").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Qualified_reference_by_table_name_restricts()
    {
        Assert.Equal("tasks: 'a'", PgSql.Restrictions("select * from tasks where tasks.team_id = 'a'"));
    }

    [Fact]
    public void Schema_qualified_column_reference_restricts()
    {
        Assert.Equal("public.tasks: 'a'", PgSql.Restrictions("select * from public.tasks where public.tasks.team_id = 'a'"));
    }

    [Fact]
    public void Schema_qualified_table_matches_an_unqualified_entry_in_the_map()
    {
        Assert.Equal("public.tasks: 'a'", PgSql.Restrictions("select * from public.tasks where team_id = 'a'"));
    }

    [Fact]
    public void Unqualified_table_matches_a_public_qualified_entry_in_the_map()
    {
        Assert.Equal("activity_logs: 'a'", PgSql.Restrictions("select * from activity_logs where team_id = 'a'"));
    }

    [Fact]
    public void Table_in_another_schema_matches_only_its_qualified_entry()
    {
        Assert.Equal("billing.invoices: $1", PgSql.Restrictions("select * from billing.invoices i where i.account_id = $1"));
        Assert.True(PgSql.Keys("select * from invoices where account_id = $1").ReferencesNoShardedTable);
        Assert.True(PgSql.Keys("select * from app.tasks").ReferencesNoShardedTable);
    }

    [Fact]
    public void Join_restricts_each_table_by_its_own_equality()
    {
        Assert.Equal(
            "tasks: 'a'; comments: 'a'",
            PgSql.Restrictions("select * from tasks t join comments c on c.task_id = t.id where t.team_id = 'a' and c.team_id = 'a'"));
    }

    [Fact]
    public void Key_to_key_join_carries_a_restriction_to_the_other_table()
    {
        ShardKeyAnalysis keys = PgSql.Keys("select * from tasks t join comments c on c.team_id = t.team_id and c.task_id = t.id where t.team_id = $1");

        Assert.Equal("tasks: $1; comments: $1", string.Join("; ", keys.Restrictions.Select(PgSql.Describe)));
        Assert.False(keys.HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Join_using_the_key_column_carries_a_restriction()
    {
        Assert.Equal("tasks: 'a'; comments: 'a'", PgSql.Restrictions("select * from tasks t join comments c using (team_id) where t.team_id = 'a'"));
    }

    [Fact]
    public void Key_equality_in_an_inner_join_condition_restricts()
    {
        Assert.Equal("tasks: 'a'; comments: 'a'", PgSql.Restrictions("select * from tasks t join comments c on c.team_id = t.team_id and t.team_id = 'a'"));
    }

    [Fact]
    public void Left_join_condition_does_not_restrict_the_preserved_side()
    {
        ShardKeyAnalysis keys = PgSql.Keys("select * from tasks t left join comments c on c.team_id = t.team_id and t.team_id = 'a'");

        Assert.Equal([new PgTableReference(null, "tasks", PgTableRole.Read)], keys.UnrestrictedTables.ToArray());
    }

    [Fact]
    public void Left_join_carries_the_preserved_side_restriction_to_the_nullable_side()
    {
        Assert.Equal(
            "tasks: 'a'; comments: 'a'",
            PgSql.Restrictions("select * from tasks t left join comments c on c.team_id = t.team_id where t.team_id = 'a'"));
    }

    [Fact]
    public void Unrestricted_sharded_table_in_a_subquery_makes_the_statement_unrestricted()
    {
        ShardKeyAnalysis keys = PgSql.Keys("select * from tasks where team_id = $1 and id in (select task_id from comments where body like '%x%')");

        Assert.Equal("tasks: $1", string.Join("; ", keys.Restrictions.Select(PgSql.Describe)));
        Assert.True(keys.HasUnrestrictedShardedTable);
        Assert.Equal("comments", Assert.Single(keys.UnrestrictedTables).Name);
    }

    [Fact]
    public void Restricted_sharded_table_in_a_subquery_is_fine()
    {
        ShardKeyAnalysis keys = PgSql.Keys("select * from tasks where team_id = $1 and id in (select task_id from comments where team_id = $1)");

        Assert.False(keys.HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Correlated_subquery_borrows_the_outer_restriction_through_a_key_equality()
    {
        ShardKeyAnalysis keys = PgSql.Keys(
            "select * from tasks t where t.team_id = 'a' and exists (select 1 from comments c where c.team_id = t.team_id and c.task_id = t.id)");

        Assert.False(keys.HasUnrestrictedShardedTable);
        Assert.Equal("tasks: 'a'; comments: 'a'", string.Join("; ", keys.Restrictions.Select(PgSql.Describe)));
    }

    [Fact]
    public void Outer_key_condition_does_not_restrict_a_subquery_table()
    {
        // The outer WHERE bounds the outer rows; the subquery still reads comments of every team.
        Assert.True(PgSql.Keys("select * from tasks t where t.team_id = 'a' and t.id in (select task_id from comments)").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Subquery_alias_shadows_an_outer_table_of_the_same_name()
    {
        ShardKeyAnalysis keys = PgSql.Keys(
            "select * from tasks t where t.team_id = 'a' and exists (select 1 from comments c, (select 1 as team_id) t where c.team_id = t.team_id)");

        Assert.True(keys.HasUnrestrictedShardedTable);
    }

    [Fact]
    public void CTE_restricted_inside_and_main_query_on_the_CTE_is_restricted()
    {
        ShardKeyAnalysis keys = PgSql.Keys("with mine as (select * from tasks where team_id = $1) select * from mine where status = 'open'");

        Assert.Equal("tasks: $1", string.Join("; ", keys.Restrictions.Select(PgSql.Describe)));
        Assert.False(keys.HasUnrestrictedShardedTable);
    }

    [Fact]
    public void CTE_without_a_key_restriction_is_unrestricted_even_if_the_main_query_filters()
    {
        Assert.True(PgSql.Keys("with everything as (select * from tasks) select * from everything where team_id = 'a'").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Union_needs_every_arm_restricted()
    {
        Assert.False(PgSql.Keys("select id from tasks where team_id = 'a' union select task_id from comments where team_id = 'b'").HasUnrestrictedShardedTable);
        Assert.True(PgSql.Keys("select id from tasks where team_id = 'a' union select task_id from comments").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Same_table_in_two_places_gathers_both_values()
    {
        Assert.Equal(
            "tasks: 'a', 'b'",
            PgSql.Restrictions("select * from tasks where team_id = 'a' and parent_id in (select id from tasks where team_id = 'b')"));
    }

    [Fact]
    public void Update_where_restricts_the_target()
    {
        ShardKeyAnalysis keys = PgSql.Keys("UPDATE tasks SET status = $1 WHERE team_id = $2 AND status = $3");

        Assert.Equal("tasks: $2", string.Join("; ", keys.Restrictions.Select(PgSql.Describe)));
        Assert.False(keys.HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Update_without_where_is_unrestricted()
    {
        Assert.True(PgSql.Keys("update tasks set status = 'done'").HasUnrestrictedShardedTable);
    }

    [Fact]
    public void Update_that_changes_the_key_reports_the_old_value_and_the_key_write()
    {
        PgStatementAnalysis analysis = PgSql.Single("update tasks set team_id = $1 where team_id = $2 and id = $3");

        Assert.Equal("tasks: $2", string.Join("; ", analysis.ShardKeys.Restrictions.Select(PgSql.Describe)));
        Assert.True(analysis.WritesShardKey);
    }

    [Fact]
    public void Delete_where_in_restricts_the_target()
    {
        Assert.Equal("comments: 'a', 'b'", PgSql.Restrictions("delete from comments where team_id in ('a', 'b') returning id"));
    }

    [Fact]
    public void Delete_using_a_restricted_table_carries_the_key()
    {
        Assert.Equal(
            "comments: 'a'; tasks: 'a'",
            PgSql.Restrictions("delete from comments c using tasks t where c.team_id = t.team_id and t.team_id = 'a' and c.task_id = t.id"));
    }

    [Fact]
    public void Insert_values_gives_the_key_of_the_row()
    {
        Assert.Equal(
            "tasks: $1",
            PgSql.Restrictions("INSERT INTO tasks (team_id, user_id, title) VALUES ($1, $2, $3) RETURNING task_id"));
    }

    [Fact]
    public void Multi_row_insert_gives_every_rows_key()
    {
        Assert.Equal(
            "tasks: 'a', 'b', $1, null",
            PgSql.Restrictions("insert into tasks (title, team_id) values ('x', 'a'), ('y', 'b'), ('z', $1), ('w', null), ('v', 'a')"));
    }

    [Fact]
    public void Insert_with_a_cast_key_value_reads_through_the_cast()
    {
        Assert.Equal("tasks: $1", PgSql.Restrictions("insert into tasks (team_id) values ($1::text)"));
    }

    [Theory]
    [InlineData("insert into tasks (team_id, title) values (default, 'x')")]
    [InlineData("insert into tasks (team_id, title) values (lower($1), 'x')")]
    [InlineData("insert into tasks (team_id, title) select team_id, title from staged")]
    [InlineData("insert into tasks (title) values ('x')")]
    [InlineData("insert into tasks values ('a', 'x')")]
    [InlineData("insert into tasks default values")]
    public void Insert_key_the_text_does_not_give_is_unknown(string sql)
    {
        ShardKeyAnalysis keys = PgSql.Keys(sql);

        Assert.True(keys.HasUnknownValue);
        Assert.Contains(ShardKeyValue.Unknown, Assert.Single(keys.Restrictions).Values);
    }

    [Fact]
    public void Insert_with_one_unknown_row_reports_the_known_ones_too()
    {
        Assert.Equal("tasks: 'a', unknown", PgSql.Restrictions("insert into tasks (team_id) values ('a'), (default)"));
    }

    [Fact]
    public void Insert_into_an_unsharded_table_references_no_sharded_table()
    {
        Assert.True(PgSql.Keys("insert into teams (id, name) values ($1, $2)").ReferencesNoShardedTable);
    }

    [Fact]
    public void Insert_in_a_CTE_reports_its_rows_keys()
    {
        Assert.Equal(
            "tasks: 'a'",
            PgSql.Restrictions("with new as (insert into tasks (team_id, title) values ('a', 'x') returning id) select id from new"));
    }

    [Fact]
    public void Merge_restricted_by_its_join_condition_and_inserting_constants()
    {
        ShardKeyAnalysis keys = PgSql.Keys("""
            merge into tasks t using (values ('a', 1)) s(team_id, id) on t.team_id = 'a' and t.id = s.id
            when matched then update set title = 'x'
            when not matched then insert (team_id, id) values ('a', s.id)
            """);

        Assert.Equal("tasks: 'a'", string.Join("; ", keys.Restrictions.Select(PgSql.Describe)));
        Assert.False(keys.HasUnknownValue);
    }

    [Fact]
    public void Merge_inserting_a_source_column_as_key_is_unknown()
    {
        ShardKeyAnalysis keys = PgSql.Keys(
            "merge into tasks t using staged s on t.team_id = 'a' and t.id = s.id when not matched then insert (team_id, id) values (s.team_id, s.id)");

        Assert.True(keys.HasUnknownValue);
    }

    [Theory]
    [InlineData("select 1")]
    [InlineData("select version()")]
    [InlineData("select current_setting('server_version_num')")]
    [InlineData("select * from teams where id = 1")]
    [InlineData("select * from pg_catalog.pg_class where relname = 'tasks'")]
    [InlineData("select table_name from information_schema.tables where table_schema = 'public'")]
    [InlineData("set search_path = app")]
    [InlineData("begin")]
    public void Statements_without_sharded_tables_reference_none(string sql)
    {
        ShardKeyAnalysis keys = PgSql.Keys(sql);

        Assert.True(keys.ReferencesNoShardedTable);
        Assert.False(keys.HasUnrestrictedShardedTable);
        Assert.Empty(keys.Restrictions);
    }

    [Fact]
    public void Psql_describe_table_query_references_no_sharded_table()
    {
        // What psql 15 sends first for "\d tasks".
        const string sql = """
            SELECT c.oid,
              n.nspname,
              c.relname
            FROM pg_catalog.pg_class c
                 LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname OPERATOR(pg_catalog.~) '^(tasks)$' COLLATE pg_catalog.default
              AND pg_catalog.pg_table_is_visible(c.oid)
            ORDER BY 2, 3;
            """;

        PgStatementAnalysis analysis = PgSql.Single(sql);

        Assert.True(analysis.ShardKeys.ReferencesNoShardedTable);
        Assert.True(analysis.IsPlainRead);
        Assert.All(analysis.Tables, static t => Assert.True(t.IsCatalog));
    }

    [Fact]
    public void Psql_describe_columns_query_references_no_sharded_table()
    {
        // psql 15's second query for "\d tasks" (the columns), with the oid it found.
        const string sql = """
            SELECT a.attname,
              pg_catalog.format_type(a.atttypid, a.atttypmod),
              (SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid, true)
               FROM pg_catalog.pg_attrdef d
               WHERE d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef),
              a.attnotnull,
              (SELECT c.collname FROM pg_catalog.pg_collation c, pg_catalog.pg_type t
               WHERE c.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation) AS attcollation,
              a.attidentity,
              a.attgenerated
            FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = '16385' AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum;
            """;

        Assert.True(PgSql.Keys(sql).ReferencesNoShardedTable);
    }

    [Fact]
    public void Ddl_on_a_sharded_table_is_unrestricted()
    {
        ShardKeyAnalysis keys = PgSql.Keys("alter table tasks add column archived boolean");

        Assert.True(keys.HasUnrestrictedShardedTable);
        Assert.False(keys.ReferencesNoShardedTable);
    }

    [Fact]
    public void No_sharded_tables_in_the_map_means_none_are_referenced()
    {
        Assert.True(PgSqlAnalyzer.Analyze("select * from tasks").Statements[0].Analysis.ShardKeys.ReferencesNoShardedTable);
    }

    [Fact]
    public void Values_lists_every_distinct_value_of_every_table()
    {
        ShardKeyAnalysis keys = PgSql.Keys("select * from tasks t join comments c on c.task_id = t.id where t.team_id = $1 and c.team_id in ($1, 'b')");

        Assert.Equal([ShardKeyValue.Parameter(1), ShardKeyValue.Constant("b")], keys.Values.ToArray());
    }
}
