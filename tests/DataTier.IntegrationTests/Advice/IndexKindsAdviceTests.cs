using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Advice;

/// <summary>
/// Candidates beyond plain b-tree columns, each costed with hypopg: a workload that needs a prefix-LIKE index, a
/// partial index or an expression index is recommended that index, and a low-selectivity predicate
/// is recommended none. Each test has its own table (on every shard) and forgets its statements afterwards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IndexKindsAdviceTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_prefix_like_workload_is_recommended_an_index_that_serves_the_prefix()
    {
        var recommendation = await RecommendationForAsync("adk_like",
            """
            create table adk_like (id bigint primary key, title text not null, body text not null);
            insert into adk_like select g, 'title-' || g, repeat('x', 40) from generate_series(1, 100000) g;
            analyze adk_like;
            """,
            // Literals, as an application writes them: pg_stat_statements keeps "like $1", pg_qualstats the patterns.
            n => ($"select id from adk_like where title like 'title-{10007 + n * 13}%'", new { }), sampleQuals: true);

        // The cluster's collation is C, where a plain b-tree serves a prefix LIKE as well as text_pattern_ops does.
        Assert.Contains((string)recommendation["columns"]![0]!, new[] { "title", "title text_pattern_ops" });
    }

    [Fact]
    public async Task A_constant_predicate_the_statement_always_carries_becomes_a_partial_index()
    {
        var recommendation = await RecommendationForAsync("adk_part",
            """
            create table adk_part (id bigint primary key, team_id int not null, status text not null, created_at timestamptz not null, note text not null);
            insert into adk_part select g, g % 200, (array['open','closed','done','stale'])[1 + g % 4],
                                        timestamptz '2026-01-01' + g * interval '1 minute', repeat('n', 30) from generate_series(1, 200000) g;
            analyze adk_part;
            """,
            n => ("select id, created_at from adk_part where status = 'open' and team_id = @t order by created_at limit 20", new { t = n % 200 }), sampleQuals: true);

        Assert.Contains("WHERE status = 'open'", (string)recommendation["createSql"]!, StringComparison.Ordinal);
        Assert.Equal(["team_id", "created_at"], recommendation["columns"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public async Task Lower_of_a_column_compared_for_equality_is_recommended_an_expression_index()
    {
        var recommendation = await RecommendationForAsync("adk_users",
            """
            create table adk_users (id bigint primary key, email text not null);
            insert into adk_users select g, 'User' || g || '@Example.com' from generate_series(1, 100000) g;
            analyze adk_users;
            """,
            n => ("select id from adk_users where lower(email) = @e", new { e = $"user{n * 31}@example.com" }));

        Assert.Equal("lower(email)", (string)recommendation["columns"]![0]!);
        Assert.EndsWith("ON public.adk_users ((lower(email)))", (string)recommendation["createSql"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frequent_statement_reading_two_more_columns_is_recommended_a_covering_index_that_makes_it_index_only()
    {
        // 100 rows a user, each on another page: through a plain (user_id) index every row is a heap fetch. The table
        // is vacuumed, as autovacuum does after a bulk load: an index-only scan pays off only on all-visible pages,
        // and the planner (so hypopg) costs it by the visibility map.
        var recommendation = await RecommendationForAsync("adk_cover",
            """
            create table adk_cover (id bigint primary key, user_id int not null, title text not null, priority int not null, note text not null);
            insert into adk_cover select g, g % 2000, 'title-' || g, g % 5, repeat('n', 60) from generate_series(1, 200000) g;
            """,
            n => ("select title, priority from adk_cover where user_id = @u", new { u = n * 17 % 2000 }), vacuum: true);

        Assert.Equal(["user_id"], recommendation["columns"]!.AsArray().Select(c => (string)c!));
        Assert.EndsWith("ON public.adk_cover (user_id) INCLUDE (title, priority)", (string)recommendation["createSql"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_candidate_the_server_cannot_build_is_left_out_and_the_run_still_answers()
    {
        // A LIKE on a jsonb column cast to text makes a text_pattern_ops candidate that PostgreSQL refuses (42804).
        var recommendations = await RecommendationsForAsync("adk_json",
            """
            create table adk_json (id bigint primary key, details jsonb not null);
            insert into adk_json select g, jsonb_build_object('k', g) from generate_series(1, 100000) g;
            analyze adk_json;
            """,
            n => ($"select id from adk_json where details::text like '%\"k\": {n}%'", new { }), sampleQuals: true);

        Assert.Empty(recommendations);
    }

    [Fact]
    public async Task A_low_selectivity_predicate_is_recommended_no_index()
    {
        var recommendations = await RecommendationsForAsync("adk_prio",
            """
            create table adk_prio (id bigint primary key, priority int not null, note text not null);
            insert into adk_prio select g, g % 5, repeat('n', 30) from generate_series(1, 100000) g;
            analyze adk_prio;
            """,
            n => ("select id, note from adk_prio where priority = @p", new { p = n % 5 }));

        Assert.Empty(recommendations);
    }

    private static async Task<JsonNode> OptimizeAsync(HttpClient admin)
    {
        var (status, body) = await Api.PostAsync(admin, "/admin/db/optimize", new { });
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        return body!;
    }

    // The one recommendation on the table, which must cover both shards.
    private async Task<JsonNode> RecommendationForAsync(string table, string setup, Func<int, (string Sql, object Params)> statement, bool sampleQuals = false, bool vacuum = false)
    {
        var recommendation = Assert.Single(await RecommendationsForAsync(table, setup, statement, sampleQuals, vacuum));
        Assert.Equal(fixture.Manifest.Shards.Select(s => s.Id).Order(), recommendation["shards"]!.AsArray().Select(s => (string)s!).Order());
        return recommendation;
    }

    // Creates the table on every shard, runs the advisor once (the baseline), the statement 60 times as fan-out reads, then the advisor again; returns its
    // recommendations on the table. pg_qualstats samples 1 statement in max_connections by default: a test that
    // needs the values sampled asks for every one, for this test's connections only (a new server, new connections).
    private async Task<List<JsonNode>> RecommendationsForAsync(string table, string setup, Func<int, (string Sql, object Params)> statement, bool sampleQuals = false, bool vacuum = false)
    {
        try
        {
            foreach (var shard in fixture.Manifest.Shards)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, $"drop table if exists {table}; {setup}");
                if (vacuum)
                {
                    // VACUUM marks a page all-visible only once no snapshot can still see it otherwise, and the replicas'
                    // hot_standby_feedback holds an xmin up to wal_receiver_status_interval (10 s) old: vacuum again
                    // until the whole table is all-visible, as autovacuum would have by the time a DBA asks.
                    await Db.WaitUntilAsync(async () =>
                    {
                        await Db.ExecuteAsync(shard.PrimaryAdmin, $"vacuum (analyze) {table}");
                        return await Db.ScalarAsync<bool>(shard.PrimaryAdmin, $"select relallvisible >= relpages from pg_class where oid = '{table}'::regclass");
                    }, TimeSpan.FromSeconds(60), $"{table} all-visible on {shard.Id}");
                }

                if (sampleQuals)
                {
                    await Db.ExecuteAsync(shard.PrimaryAdmin, "do $$ begin execute format('alter database %I set pg_qualstats.sample_rate = 1', current_database()); end $$");
                }
            }

            await using var server = await DataTierServer.StartAsync(fixture);
            using var app = server.CreateClient(fixture.Manifest.Keys.App);
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);
            // A first run sets the baseline: the bulk load is not this test's workload nor a write rate to charge.
            await OptimizeAsync(admin);
            for (int n = 0; n < 60; n++)
            {
                var (sql, parameters) = statement(n);
                await Api.OkAsync(app, "/v1/scatter", new { sql, @params = parameters, consistency = "strong", cache = "bypass" });
            }

            var report = await OptimizeAsync(admin);
            output.WriteLine(report.ToJsonString());
            return report["recommendations"]!.AsArray().Where(r => (string)r!["table"]! == $"public.{table}").Select(r => r!).ToList();
        }
        finally
        {
            foreach (var shard in fixture.Manifest.Shards)
            {
                await Db.ExecuteAsync(shard.PrimaryAdmin, $"drop table if exists {table}");
                if (sampleQuals)
                {
                    await Db.ExecuteAsync(shard.PrimaryAdmin, "do $$ begin execute format('alter database %I reset pg_qualstats.sample_rate', current_database()); end $$");
                }
            }

            foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
            {
                await Db.ExecuteAsync(node.AdminConnectionString,
                    "select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like @pattern", ("pattern", $"%{table}%"));
            }
        }
    }
}
