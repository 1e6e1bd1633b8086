using System.Net;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Rebalancing;

/// <summary>The rebalancing check: proposals of desired weights, approval, and the scheduled job on one instance per firing.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RebalanceCheckTests(ClusterFixture fixture)
{
    private string CatalogAdmin => fixture.Cluster.Nodes.Single(n => n.ShardId is null).AdminConnectionString;

    private async Task ResetAsync()
    {
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.topology_versions");
        await Db.ExecuteAsync(CatalogAdmin, "delete from datatier.rebalance_proposals");
    }

    [Fact]
    public async Task An_imbalance_past_the_threshold_is_proposed_and_an_approval_sets_the_desired_weights()
    {
        await ResetAsync();
        await using var balanced = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:Threshold"] = "100",
        });
        using (var admin = balanced.CreateClient(fixture.Manifest.Keys.Admin))
        {
            var none = await Api.OkAsync(admin, "/admin/rebalance/check", new { });
            Assert.Null(none["proposal"]);
            Assert.Equal(2, none["loads"]!.AsArray().Count);
        }

        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:Threshold"] = "1.0",
        });
        using var client = server.CreateClient(fixture.Manifest.Keys.Admin);
        var outcome = await Api.OkAsync(client, "/admin/rebalance/check", new { });
        var proposal = outcome["proposal"]!;
        Assert.Equal("proposed", (string?)proposal["status"]);
        var loads = outcome["loads"]!.AsArray().ToDictionary(l => (string)l!["id"]!, l => (double)l!["load"]!);
        var weights = proposal["weights"]!.AsObject().ToDictionary(w => w.Key, w => (double)w.Value!);
        string heavy = loads.MaxBy(l => l.Value).Key, light = loads.MinBy(l => l.Value).Key;
        Assert.True(weights[heavy] < 1 && weights[light] > 1, $"weights {string.Join(", ", weights)} for loads {string.Join(", ", loads)}");
        Assert.Equal(2, weights.Values.Sum(), 2);

        long id = (long)proposal["id"]!;
        var listed = (await Api.GetAsync(client, "/admin/rebalance/proposals")).Body!.AsArray();
        Assert.Equal(id, (long)listed[0]!["id"]!);

        var approved = await Api.OkAsync(client, $"/admin/rebalance/plans/{id}/approve", new { });
        Assert.Equal("approved", (string?)approved["status"]);
        var topology = (await Api.GetAsync(client, "/admin/topology")).Body!;
        Assert.Equal((long)approved["appliedVersion"]!, (long)topology["version"]!);
        Assert.Equal(weights[heavy], (double)topology["desiredWeights"]![heavy]!, 3);
        // Routing is unchanged until rows move.
        Assert.All(topology["shards"]!.AsArray(), s => Assert.Equal(1.0, (double)s!["weight"]!));

        Api.AssertProblem(await Api.PostAsync(client, $"/admin/rebalance/plans/{id}/approve", new { }), HttpStatusCode.Conflict, "proposal-closed");
        Api.AssertProblem(await Api.PostAsync(client, "/admin/rebalance/plans/987654321/approve", new { }), HttpStatusCode.NotFound, "unknown-proposal");
        await using var fixedTopology = await DataTierServer.StartAsync(fixture);
        using var fixedAdmin = fixedTopology.CreateClient(fixture.Manifest.Keys.Admin);
        Api.AssertProblem(await Api.PostAsync(fixedAdmin, "/admin/rebalance/check", new { }), HttpStatusCode.Conflict, "topology-not-in-catalog");
    }

    [Fact]
    public async Task The_cli_runs_the_check_lists_proposals_and_approves_one()
    {
        await ResetAsync();
        await using var server = await DataTierServer.StartAsync(fixture, new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:Threshold"] = "1.0",
        });
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string target = $"--server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin}";
        var timeout = TimeSpan.FromMinutes(1);

        var (checkedCode, checkOut, checkErr) = await CliRunner.RunAsync(cli, $"rebalance check {target}", timeout);
        Assert.True(checkedCode == 0, checkErr);
        var match = System.Text.RegularExpressions.Regex.Match(checkOut, @"Proposal (\d+) \(proposed");
        Assert.True(match.Success, checkOut);

        var (listed, listOut, _) = await CliRunner.RunAsync(cli, $"rebalance proposals {target}", timeout);
        Assert.Equal(0, listed);
        Assert.Contains($"Proposal {match.Groups[1].Value} (proposed", listOut, StringComparison.Ordinal);

        var (approved, approveOut, approveErr) = await CliRunner.RunAsync(cli, $"rebalance approve {match.Groups[1].Value} {target}", timeout);
        Assert.True(approved == 0, approveErr);
        Assert.Contains("(approved", approveOut, StringComparison.Ordinal);
        var (again, _, againErr) = await CliRunner.RunAsync(cli, $"rebalance approve {match.Groups[1].Value} {target}", timeout);
        Assert.Equal(1, again);
        Assert.Contains("409", againErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_two_instances_each_scheduled_check_runs_on_exactly_one()
    {
        await ResetAsync();
        var settings = new Dictionary<string, string?>
        {
            ["DataTier:Topology:Store"] = "Catalog",
            ["DataTier:Rebalancing:Threshold"] = "1.0",
            ["DataTier:Rebalancing:IntervalSeconds"] = "2",
        };
        try
        {
            await using var a = await DataTierServer.StartAsync(fixture, settings);
            await using var b = await DataTierServer.StartAsync(fixture, settings);
            await Db.WaitUntilAsync(async () => await Db.ScalarAsync<long>(CatalogAdmin, "select count(*) from datatier.rebalance_proposals") >= 4,
                TimeSpan.FromSeconds(30), "four scheduled checks recorded");
        }
        finally
        {
            // Put the shared trigger back to the default interval for the tests that follow.
            await using var reset = await DataTierServer.StartAsync(fixture);
        }

        var firings = await Db.StringsAsync(CatalogAdmin, "select instance from datatier.rebalance_proposals where instance like '%@%' order by id");
        var fireTimes = firings.Select(f => f[(f.LastIndexOf('@') + 1)..]).ToList();
        Assert.True(firings.Count >= 4, string.Join(", ", firings));
        Assert.Equal(fireTimes.Count, fireTimes.Distinct().Count());
    }
}
