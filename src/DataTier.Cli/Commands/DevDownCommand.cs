using System.CommandLine;
using DataTier.CommandLine;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary><c>datatier dev down</c>: stops what <c>dev up</c> started and removes its files.</summary>
internal static class DevDownCommand
{
    public static Command Build()
    {
        var dir = DevDirOption.Create();
        var command = new DocumentedCommand("down", "Stop every process dev up started (by PID) and remove the cluster's files.",
            "datatier dev down",
            "datatier dev down --dir /tmp/my-cluster") { dir };
        command.SetAction(async (parsed, ct) =>
        {
            await LocalCluster.DownAsync(CliEnvironment.DevDir(parsed.GetValue(dir)), parsed.InvocationConfiguration.Error, ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
