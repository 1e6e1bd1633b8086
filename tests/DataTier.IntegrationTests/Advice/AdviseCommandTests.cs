using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Advice;

/// <summary><c>datatier advise</c> runs the advisor on a server and prints its advice.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AdviseCommandTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Advise_runs_the_advisor_on_the_server_and_a_data_key_is_refused()
    {
        await using var server = await DataTierServer.StartAsync(fixture);
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string dir = Directory.CreateTempSubdirectory("datatier-advise-").FullName;
        try
        {
            var (code, stdout, stderr) = await CliRunner.RunAsync(cli,
                $"advise --server {server.BaseAddress} --key {fixture.Manifest.Keys.Admin} --write --advice-dir {dir}", TimeSpan.FromMinutes(2));
            Assert.True(code == 0, stderr);
            Assert.Matches(@"Advisor run \d+: \d+ statements analysed\.", stdout);

            var (refused, _, refusedErr) = await CliRunner.RunAsync(cli,
                $"advise --server {server.BaseAddress} --key {fixture.Manifest.Keys.App}", TimeSpan.FromMinutes(1));
            Assert.Equal(1, refused);
            Assert.Contains("403", refusedErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
