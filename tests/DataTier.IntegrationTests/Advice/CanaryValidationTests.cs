using System.Net;
using System.Text.Json.Nodes;
using DataTier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.Advice;

/// <summary>
/// Proof by measurement (<c>DataTier:Advisor:Validate</c>): each recommendation is built on a canary shard, its evidence
/// statements are replayed there with the latest parameter values DataTier saw, before and after, and the advice is kept
/// only when the measured speed-up reaches <c>MinMeasuredSpeedup</c>; the canary index is dropped unless configured kept.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CanaryValidationTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_selective_unindexed_column_is_kept_with_its_measured_speedup_and_the_canary_index_is_dropped()
    {
        const string table = "val_kept";
        try
        {
            var recommendation = await RunValidatedAsync(table, new Dictionary<string, string?> { ["DataTier:Advisor:Validate"] = "true" }, rejected: false);
            var measured = recommendation["measured"]!;
            Assert.True((bool)measured["kept"]!, measured.ToJsonString());
            Assert.True((double)measured["speedUp"]! >= 2.0, measured.ToJsonString());
            Assert.True((long)measured["indexBytes"]! > 0);
            Assert.True((double)measured["buildMs"]! > 0);
            Assert.False((bool)measured["canaryIndexKept"]!);
            var statement = Assert.Single(measured["statements"]!.AsArray());
            output.WriteLine($"canary {measured["shard"]}: median {statement!["beforeMedianMs"]} ms before, {statement["afterMedianMs"]} ms after: {statement["speedUp"]}x; " +
                $"index {measured["indexBytes"]} bytes (estimated {recommendation["estimatedBytes"]}), built in {measured["buildMs"]} ms");
            await AssertIndexOnShardsAsync((string)recommendation["indexName"]!, expectedOn: null);
        }
        finally
        {
            await CleanUpAsync(table);
        }
    }

    [Fact]
    public async Task A_recommendation_below_the_measured_threshold_is_dropped_with_the_reason_and_a_kept_canary_stays_on_the_canary_only()
    {
        const string table = "val_dropped";
        try
        {
            var recommendation = await RunValidatedAsync(table, new Dictionary<string, string?>
            {
                ["DataTier:Advisor:Validate"] = "true",
                ["DataTier:Advisor:MinMeasuredSpeedup"] = "1000000",
                ["DataTier:Advisor:KeepCanaryIndex"] = "true",
            }, rejected: true);
            var measured = recommendation["measured"]!;
            Assert.False((bool)measured["kept"]!);
            Assert.Contains("below DataTier:Advisor:MinMeasuredSpeedup (1000000x)", (string)measured["reason"]!, StringComparison.Ordinal);
            Assert.True((bool)measured["canaryIndexKept"]!);
            output.WriteLine($"dropped: {measured["reason"]}");
            await AssertIndexOnShardsAsync((string)recommendation["indexName"]!, expectedOn: (string)measured["shard"]!);
        }
        finally
        {
            await CleanUpAsync(table);
        }
    }

    [Fact]
    public async Task An_invalid_validate_flag_is_a_problem_not_a_500()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        using var response = await admin.PostAsync(new Uri("/admin/db/optimize?validate=maybe", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Advise_validate_prints_the_measured_figures_and_writes_them_into_the_migration_header()
    {
        const string table = "val_cli";
        string dir = Directory.CreateTempSubdirectory("datatier-validate-").FullName;
        try
        {
            await CreateTableAsync(table);
            await using var server = await DataTierServer.StartAsync(fixture);
            await RunWorkloadAsync(server, table);
            string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
            var (code, stdout, stderr) = await CliRunner.RunAsync(cli,
                $"advise --server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin} --validate --write --advice-dir {dir}", TimeSpan.FromMinutes(3));
            output.WriteLine(stdout + stderr);
            Assert.True(code == 0, stderr);
            Assert.Matches(@$"create dt_{table}_ref_idx on public\.{table} \(ref\).*
\s+canary s\d: measured speed-up [\d.]+x", stdout);
            string migration = Directory.GetFiles(dir, "*_advice_run_*.sql").Single();
            Assert.Contains("measured on canary", await File.ReadAllTextAsync(migration), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await CleanUpAsync(table);
        }
    }

    private async Task CreateTableAsync(string table)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.PrimaryAdmin, $"""
                drop table if exists {table};
                create table {table} (id bigint primary key, ref text not null, body text not null);
                insert into {table} select g, 'ref-' || g, repeat('x', 40) from generate_series(1, 200000) g;
                analyze {table};
                """);
        }

        // The workload's reads go to replicas: wait until each has replayed the table (created and filled in one
        // implicit transaction, so it appears with its rows).
        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            await Db.WaitUntilAsync(
                async () => await Db.ScalarAsync<bool>(node.AdminConnectionString, $"select to_regclass('public.{table}') is not null"),
                TimeSpan.FromSeconds(60),
                $"{node.Id} to replay {table}");
        }
    }

    // A baseline run (unvalidated), then 60 cacheable fan-out reads of the selective column, so DataTier keeps their latest values.
    private async Task RunWorkloadAsync(DataTierServer server, string table)
    {
        using var app = server.CreateClient(fixture.Manifest.Keys.App);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        admin.Timeout = TimeSpan.FromMinutes(5);
        var (baseStatus, baseBody) = await Api.PostAsync(admin, "/admin/db/optimize?validate=false", new { });
        Assert.True(baseStatus == HttpStatusCode.OK, baseBody?.ToJsonString());
        for (int n = 0; n < 60; n++)
        {
            await Api.OkAsync(app, "/v1/scatter", new { sql = $"select count(*) from {table} where ref = @r", @params = new { r = $"ref-{1 + (n * 3181) % 200000}" } });
        }
    }

    // 200,000 rows per shard with a selective unindexed column, its workload, then a validated run; returns the
    // table's recommendation (from recommendations or rejected).
    private async Task<JsonNode> RunValidatedAsync(string table, Dictionary<string, string?> settings, bool rejected)
    {
        await CreateTableAsync(table);
        await using var server = await DataTierServer.StartAsync(fixture, settings);
        await RunWorkloadAsync(server, table);
        using var admin = server.CreateClient(fixture.Manifest.Keys.Admin);
        admin.Timeout = TimeSpan.FromMinutes(5);
        var (status, report) = await Api.PostAsync(admin, "/admin/db/optimize", new { });
        Assert.True(status == HttpStatusCode.OK, report?.ToJsonString());
        output.WriteLine(report!.ToJsonString());
        var list = (rejected ? report["rejected"] : report["recommendations"])!.AsArray();
        var recommendation = Assert.Single(list, r => (string)r!["table"]! == $"public.{table}")!;
        Assert.DoesNotContain((rejected ? report["recommendations"] : report["rejected"])!.AsArray(), r => (string)r!["table"]! == $"public.{table}");

        var (storedStatus, stored) = await Api.GetAsync(admin, "/admin/db/index-advice");
        Assert.Equal(HttpStatusCode.OK, storedStatus);
        var storedMeasured = Assert.Single((rejected ? stored!["rejected"] : stored!["recommendations"])!.AsArray(), r => (string)r!["table"]! == $"public.{table}")!["measured"]!;
        Assert.Equal((string)recommendation["measured"]!["reason"]!, (string)storedMeasured["reason"]!);
        Assert.Equal((double?)recommendation["measured"]!["speedUp"], (double?)storedMeasured["speedUp"]);
        return recommendation;
    }

    // The canary index exists on expectedOn's primary only (null: on none).
    private async Task AssertIndexOnShardsAsync(string indexName, string? expectedOn)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            long count = await Db.ScalarAsync<long>(shard.PrimaryAdmin, $"select count(*) from pg_class where relname = '{indexName}'");
            Assert.True(count == (shard.Id == expectedOn ? 1 : 0), $"{indexName} on {shard.Id}: {count}");
        }
    }

    private async Task CleanUpAsync(string table)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.PrimaryAdmin, $"drop table if exists {table}");
        }

        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            await Db.ExecuteAsync(node.AdminConnectionString,
                "select pg_stat_statements_reset(userid, dbid, queryid) from pg_stat_statements where query like @pattern", ("pattern", $"%{table}%"));
        }
    }
}
