using DataTier.Core.Advice;

namespace DataTier.Core.Tests.Advice;

public sealed class CandidateAndSelectionTests
{
    [Fact]
    public void Composites_put_equality_columns_before_range_and_sort_columns()
    {
        var access = new TableAccess("public", "orders");
        access.Equality.Add("status");
        access.Range.Add("created_at");
        access.Sort.Add("created_at");
        var keys = CandidateGenerator.For(access, 3).Select(c => string.Join(',', c.Columns)).ToList();
        Assert.Contains("status,created_at", keys);
        Assert.DoesNotContain("created_at,status", keys);
        Assert.Contains("status", keys);
        Assert.Contains("created_at", keys);
    }

    [Fact]
    public void A_candidate_is_covered_only_by_an_index_with_the_same_leading_columns()
    {
        var candidate = new CandidateIndex("public", "orders", ["status", "created_at"]);
        Assert.True(candidate.IsCoveredBy(["status", "created_at", "id"]));
        Assert.False(candidate.IsCoveredBy(["created_at", "status"]));
        Assert.False(candidate.IsCoveredBy(["status"]));
        Assert.StartsWith("CREATE INDEX CONCURRENTLY IF NOT EXISTS dt_orders_status_created_at_idx ON public.orders (status, created_at)", candidate.CreateSql, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prefix_like_column_gets_a_plain_and_a_text_pattern_ops_candidate()
    {
        var access = new TableAccess("public", "tasks");
        access.Prefix.Add("title");
        var candidate = CandidateGenerator.For(access, 3).Single(c => c.Columns[0] == "title text_pattern_ops");
        Assert.Contains(CandidateGenerator.For(access, 3), c => c.IsPlainBtree && c.Columns.SequenceEqual(["title"]));
        Assert.Equal("CREATE INDEX CONCURRENTLY IF NOT EXISTS dt_tasks_title_text_pattern_ops_idx ON public.tasks (title text_pattern_ops)", candidate.CreateSql);
    }

    [Fact]
    public void Literal_conditions_become_the_predicate_of_a_partial_index_on_the_other_keys()
    {
        var access = new TableAccess("public", "tasks");
        access.Equality.AddRange(["status", "team_id"]);
        access.Sort.Add("created_at");
        access.Constants.Add("status = 'open'::text");
        access.OutputIsColumns = false;
        var partial = CandidateGenerator.For(access, 3).Single(c => c.Predicate is not null);
        Assert.Equal(["team_id", "created_at"], partial.Columns);
        Assert.Equal("CREATE INDEX CONCURRENTLY IF NOT EXISTS dt_tasks_team_id_created_at_partial_idx ON public.tasks (team_id, created_at) WHERE status = 'open'::text", partial.CreateSql);
    }

    [Fact]
    public void The_other_columns_a_scan_reads_are_included_for_an_index_only_scan()
    {
        var access = new TableAccess("public", "tasks");
        access.Equality.Add("team_id");
        access.Output.AddRange(["team_id", "title", "due_at"]);
        var covering = CandidateGenerator.For(access, 3).Single(c => c.Include is { Count: > 0 });
        Assert.Equal(["team_id"], covering.Columns);
        Assert.Equal("CREATE INDEX CONCURRENTLY IF NOT EXISTS dt_tasks_team_id_incl_title_due_at_idx ON public.tasks (team_id) INCLUDE (title, due_at)", covering.CreateSql);
        Assert.False(covering.IsCoveredBy(["team_id"]));
    }

    [Fact]
    public void An_expression_compared_for_equality_gets_an_expression_index()
    {
        var access = new TableAccess("public", "users");
        access.Expressions.Add("lower(email)");
        var candidate = Assert.Single(CandidateGenerator.For(access, 3));
        Assert.Equal("CREATE INDEX CONCURRENTLY IF NOT EXISTS dt_users_lower_email_idx ON public.users ((lower(email)))", candidate.CreateSql);
        Assert.Equal("CREATE INDEX ON public.users ((lower(email)))", candidate.HypotheticalSql);
    }

    [Fact]
    public void Selection_takes_the_best_index_and_a_second_that_only_repeats_it_gains_nothing()
    {
        var a = new CandidateIndex("public", "t", ["a"]);
        var ab = new CandidateIndex("public", "t", ["a", "b"]);
        var statements = new[]
        {
            new IndexSelector.CostedStatement("q1", 100, 1000, new Dictionary<string, double> { [a.Key] = 100, [ab.Key] = 50 }),
        };
        var chosen = IndexSelector.Select(statements, [new(a, 1000, 0), new(ab, 2000, 0)], 0.5, long.MaxValue);
        Assert.Equal([ab.Key], chosen.Select(c => c.Candidate.Index.Key));
    }

    [Fact]
    public void Selection_refuses_an_index_below_the_cost_cut_or_outweighed_by_writes_or_over_budget()
    {
        var small = new CandidateIndex("public", "t", ["x"]);
        var statements = new[] { new IndexSelector.CostedStatement("q", 10, 1000, new Dictionary<string, double> { [small.Key] = 600 }) };
        Assert.Empty(IndexSelector.Select(statements, [new(small, 10, 0)], 0.5, long.MaxValue));

        var good = new[] { new IndexSelector.CostedStatement("q", 10, 1000, new Dictionary<string, double> { [small.Key] = 100 }) };
        Assert.Empty(IndexSelector.Select(good, [new(small, 10, 9000 + 1)], 0.5, long.MaxValue));
        Assert.Empty(IndexSelector.Select(good, [new(small, 10, 0)], 0.5, 5));
        Assert.Single(IndexSelector.Select(good, [new(small, 10, 100)], 0.5, long.MaxValue));
    }

    [Fact]
    public void Counter_deltas_start_over_when_the_statistics_were_reset()
    {
        Assert.Equal(new StatementCounters(5, 50), new StatementCounters(15, 150).Since(new StatementCounters(10, 100)));
        Assert.Equal(new StatementCounters(3, 30), new StatementCounters(3, 30).Since(new StatementCounters(10, 100)));
        Assert.Equal(new StatementCounters(3, 30), new StatementCounters(3, 30).Since(null));
    }

    [Fact]
    public void Duplicates_are_indexes_whose_columns_lead_another_index()
    {
        var indexes = new[] { Index("t_a", ["a"]), Index("t_a_b", ["a", "b"]), Index("t_b_key", ["b"], unique: true), Index("t_b", ["b"]) };
        var duplicates = IndexInventory.Duplicates(indexes).Select(d => $"{d.Duplicate.Name}<{d.CoveredBy.Name}").Order().ToList();
        Assert.Equal(["t_a<t_a_b", "t_b<t_b_key"], duplicates);
    }

    [Fact]
    public void Indexes_DataTier_owns_or_needs_are_never_duplicates()
    {
        var indexes = new[]
        {
            Index("t_c_d", ["c", "d"]),
            Index("t_c_fk", ["c"], foreignKey: true),
            Index("t_ring_position_idx", ["c"]),
            Index("t_c_d_key", ["c", "d"], unique: true),
            Index("t_c_d_mine", ["c", "d"]) with { Schema = "datatier_move" },
        };
        // The foreign key's and the ring position's indexes lead t_c_d too, but only the plain one is a duplicate.
        var duplicates = IndexInventory.Duplicates(indexes).Select(d => $"{d.Duplicate.Schema}.{d.Duplicate.Name}<{d.CoveredBy.Name}").ToList();
        Assert.Equal(["public.t_c_d<t_c_d_key"], duplicates);
    }

    [Fact]
    public void KeptBecause_names_why_an_index_is_never_proposed_for_dropping()
    {
        Assert.Null(Index("t_a", ["a"]).KeptBecause);
        Assert.Equal("primary key", (Index("t_pkey", ["a"], unique: true) with { Primary = true }).KeptBecause);
        Assert.Equal("unique or exclusion constraint", Index("t_a_excl", ["a"], unique: true).KeptBecause);
        Assert.Equal("backs a foreign key", Index("t_a_fk", ["a"], foreignKey: true).KeptBecause);
        Assert.Equal("ring position index (rebalancing)", Index("tasks_ring_position_idx", ["a"]).KeptBecause);
        Assert.Equal("DataTier's own schema", (Index("changes_move_id_idx", ["a"]) with { Schema = "datatier_move" }).KeptBecause);
    }

    [Fact]
    public void UnusedMinObservedHours_is_validated_with_its_value()
    {
        var error = Assert.Single(new AdvisorOptionsValidator().Validate(null, new AdvisorOptions { UnusedMinObservedHours = -1 }).Failures!);
        Assert.Contains("DataTier:Advisor:UnusedMinObservedHours", error, StringComparison.Ordinal);
        Assert.Contains("-1", error, StringComparison.Ordinal);
        Assert.True(new AdvisorOptionsValidator().Validate(null, new AdvisorOptions { UnusedMinObservedHours = 0 }).Succeeded);
    }

    private static ExistingIndex Index(string name, string[] columns, bool unique = false, bool foreignKey = false) =>
        new("public", "t", name, columns, unique, false, foreignKey, true, true, "btree", 8192, 0, "");
}
