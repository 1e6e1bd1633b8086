using System.Text.RegularExpressions;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// pgbench (postgresql-client-15) through the wire front end: a keyed point read in each query mode, 50 transactions per
/// client. 64 clients (issue 15's acceptance) share the default 20 backend connections per node (BackendPoolSize), so
/// most of them wait for a lease, well within BackendWaitMs; the test cluster's nodes allow 300 connections.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed partial class PgbenchWireTests(ClusterFixture fixture)
{
    [Theory(Timeout = 120_000)]
    [InlineData("simple", 8)]
    [InlineData("extended", 8)]
    [InlineData("prepared", 8)]
    [InlineData("simple", 64)]
    [InlineData("extended", 64)]
    [InlineData("prepared", 64)]
    public async Task Point_reads_complete_without_failures(string mode, int clients)
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string script = Path.Combine(Path.GetTempPath(), $"datatier-pgbench-{Guid.NewGuid():N}.sql");
        // \set gives each transaction its own bound; the key is a -D variable: a literal in simple mode, a bound $1 otherwise.
        await File.WriteAllTextAsync(script, "\\set n random(1, 1000)\nselect count(*) from tasks where team_id = :team and priority < :n;\n");
        string team = mode == "simple" ? "'team-42'" : "team-42";
        try
        {
            var (code, stdout, stderr) = await PostgresTools.RunAsync(
                "pgbench",
                ["-n", "-M", mode, "-c", clients.ToString(), "-j", "2", "-t", "50", "-D", $"team={team}", "-f", script, wire.Url()],
                TimeSpan.FromSeconds(90));
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains($"number of transactions actually processed: {clients * 50}/{clients * 50}", stdout);
            var failed = FailedPattern().Match(stdout);
            Assert.True(!failed.Success || failed.Groups[1].Value == "0", stdout);
        }
        finally
        {
            File.Delete(script);
        }
    }

    [GeneratedRegex(@"number of failed transactions: (\d+)")]
    private static partial Regex FailedPattern();
}
