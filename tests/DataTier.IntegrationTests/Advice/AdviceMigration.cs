using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Advice;

/// <summary>Applies advice scripts with <c>datatier migrate shards</c> to every shard primary while a write load runs.</summary>
internal static class AdviceMigration
{
    /// <summary>The CLI's exit code and output, and what the load wrote and failed to write while it ran.</summary>
    public static async Task<(int Code, string Output, string Errors, int Written, int Failed)> ApplyUnderWritesAsync(
        ClusterFixture fixture, string scripts, Func<CancellationToken, Task<(int Written, int Failed)>> writeLoad)
    {
        using var stopWrites = new CancellationTokenSource();
        var writes = writeLoad(stopWrites.Token);
        string cli = CliRunner.BuiltDll("DataTier.Cli", "datatier.dll");
        string shardArgs = string.Join(' ', fixture.Manifest.Shards.Select(s => $"--shard \"{s.PrimaryAdmin}\""));
        var (code, stdout, stderr) = await CliRunner.RunAsync(cli, $"migrate shards {shardArgs} --advice-dir {scripts}", TimeSpan.FromMinutes(3));
        // Writes go on a little after the last build, so a write racing the build's end is counted too.
        await Task.Delay(500);
        stopWrites.Cancel();
        var (written, failed) = await writes;
        return (code, stdout, stderr, written, failed);
    }
}
