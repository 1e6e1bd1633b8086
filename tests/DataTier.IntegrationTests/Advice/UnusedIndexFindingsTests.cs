using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Advice;

/// <summary>
/// Unused-index findings a DBA can act on: never DataTier's own indexes or those of constraints and foreign keys,
/// "not enough history" while the statistics are young, and scans reported per shard.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class UnusedIndexFindingsTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Setup =
        """
        drop table if exists adv_idle_child, adv_idle;
        create table adv_idle (id bigint primary key, code text not null unique, v int not null);
        create table adv_idle_child (id bigint primary key, parent_id bigint not null references adv_idle (id));
        create index adv_idle_v_idx on adv_idle (v);
        create index adv_idle_child_parent_idx on adv_idle_child (parent_id);
        insert into adv_idle select g, 'c' || g, g % 10 from generate_series(1, 100) g;
        analyze adv_idle;
        """;

    [Fact]
    public async Task A_first_run_lists_none_of_DataTiers_or_constraint_indexes_and_young_statistics_are_not_enough_history()
    {
        await PrepareAsync();
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture);
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);

            var report = await OptimizeAsync(admin);
            var unused = report["unused"]!.AsArray();
            var duplicates = report["duplicates"]!.AsArray();
            foreach (var f in unused.Concat(duplicates))
            {
                string name = (string)f!["indexName"]!;
                Assert.False(name.EndsWith("_ring_position_idx", StringComparison.Ordinal), name);
                Assert.False(name.EndsWith("_pkey", StringComparison.Ordinal), name);
                Assert.False(((string)f["table"]!).StartsWith("datatier", StringComparison.Ordinal), name);
                Assert.DoesNotContain("UNIQUE", (string)f["definition"]!, StringComparison.Ordinal);
            }

            // Minutes of statistics (the cluster is fresh) are far from the default week.
            Assert.DoesNotContain(unused, f => (string)f!["indexName"]! is "activity_logs_team_id_created_at_idx" or "adv_idle_v_idx");
            var young = report["notEnoughHistory"]!.AsArray();
            var demo = Assert.Single(young, f => (string)f!["indexName"]! == "activity_logs_team_id_created_at_idx");
            Assert.Equal("", (string)demo!["dropSql"]!);
            Assert.Contains(young, f => (string)f!["indexName"]! == "adv_idle_v_idx");
            Assert.Contains(report["notes"]!.AsArray(), n => ((string)n!).Contains("UnusedMinObservedHours", StringComparison.Ordinal));
        }
        finally
        {
            await CleanUpAsync();
        }
    }

    [Fact]
    public async Task With_no_window_an_index_without_scans_is_unused_with_its_scans_per_shard()
    {
        await PrepareAsync();
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Advisor:UnusedMinObservedHours"] = "0" });
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);

            var report = await OptimizeAsync(admin);
            var unused = report["unused"]!.AsArray();
            var idle = Assert.Single(unused, f => (string)f!["indexName"]! == "adv_idle_v_idx");
            var byShard = idle!["scansByShard"]!.AsObject();
            Assert.Equal(fixture.Manifest.Shards.Select(s => s.Id).Order(), byShard.Select(s => s.Key).Order());
            Assert.All(byShard, s => Assert.Equal(0, (long)s.Value!));
            Assert.StartsWith("DROP INDEX CONCURRENTLY", (string)idle["dropSql"]!, StringComparison.Ordinal);

            // Still never: the primary key, the unique constraint's index, the foreign key's index, DataTier's own.
            Assert.DoesNotContain(unused, f => (string)f!["indexName"]! is "adv_idle_pkey" or "adv_idle_code_key" or "adv_idle_child_parent_idx");
            Assert.DoesNotContain(unused, f => ((string)f!["indexName"]!).EndsWith("_ring_position_idx", StringComparison.Ordinal));
            Assert.Empty(report["notEnoughHistory"]!.AsArray());
        }
        finally
        {
            await CleanUpAsync();
        }
    }

    [Fact]
    public async Task An_index_scanned_on_one_shard_only_is_not_unused()
    {
        await PrepareAsync();
        try
        {
            await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Advisor:UnusedMinObservedHours"] = "0" });
            using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
            admin.Timeout = TimeSpan.FromMinutes(3);
            var one = fixture.Manifest.Shards[0];
            for (int i = 0; i < 10; i++)
            {
                await Db.ExecuteAsync(one.PrimaryAdmin, $"set enable_seqscan = off; select * from adv_idle where v = {i}");
            }

            await Db.WaitUntilAsync(async () => await Db.ScalarAsync<long>(one.PrimaryAdmin,
                "select coalesce(sum(idx_scan), 0)::bigint from pg_stat_user_indexes where indexrelname = 'adv_idle_v_idx'") >= 10,
                TimeSpan.FromSeconds(10), "the scans counted on the one shard");

            var report = await OptimizeAsync(admin);
            Assert.DoesNotContain(report["unused"]!.AsArray(), f => (string)f!["indexName"]! == "adv_idle_v_idx");
        }
        finally
        {
            await CleanUpAsync();
        }
    }

    private async Task PrepareAsync()
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.PrimaryAdmin, Setup);
        }
    }

    private async Task CleanUpAsync()
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.PrimaryAdmin, "drop table if exists adv_idle_child, adv_idle");
        }

        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            await Db.ExecuteAsync(node.AdminConnectionString,
                "select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like '%adv\\_idle%'");
        }
    }

    private async Task<JsonNode> OptimizeAsync(HttpClient admin)
    {
        var (status, body) = await Api.PostAsync(admin, "/admin/db/optimize", new { });
        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        output.WriteLine(body!.ToJsonString());
        return body;
    }
}
