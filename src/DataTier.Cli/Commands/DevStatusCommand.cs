using System.CommandLine;
using DataTier.CommandLine;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary><c>datatier dev status</c>: whether the local cluster runs, and how to reach it.</summary>
internal static class DevStatusCommand
{
    public static Command Build()
    {
        var json = new Option<bool>("--json") { Description = "Print the manifest JSON (as dev up --json) on stdout." };
        var dir = DevDirOption.Create();
        var command = new DocumentedCommand("status", "Whether the dev cluster runs: its URL, keys and databases, and each process.",
            "datatier dev status",
            "datatier dev status --json | jq -r .baseUrl") { json, dir };
        command.SetAction(parsed => RunAsync(CliEnvironment.DevDir(parsed.GetValue(dir)), parsed.GetValue(json),
            parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error));
        return command;
    }

    private static async Task<int> RunAsync(string dir, bool json, TextWriter stdout, TextWriter stderr)
    {
        var manifest = LocalCluster.Status(dir);
        if (manifest is not null)
        {
            await stdout.WriteLineAsync(json ? manifest.ToJson() : DevUpCommand.Describe(manifest) + ProcessTable(LocalCluster.Attach(dir)))
                .ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (!File.Exists(Path.Combine(dir, "cluster.json")))
        {
            await stderr.WriteLineAsync($"No dev cluster in {dir}. Start one: ./datatier dev up").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        await stderr.WriteLineAsync(
            $"The dev cluster in {dir} is not (fully) running:\n{ProcessTable(LocalCluster.Attach(dir))}" +
            "Rebuild it with ./datatier dev up, or remove it with ./datatier dev down.").ConfigureAwait(false);
        return ExitCodes.Failed;
    }

    private static string ProcessTable(ClusterHandle cluster)
    {
        var text = new StringWriter();
        text.WriteLine($"  {"process",-14} {"port",6} {"pid",8}  state");
        foreach (var p in cluster.GetProcessStatuses())
        {
            text.WriteLine($"  {p.Name,-14} {p.Port,6} {p.Pid,8}  {(p.Running ? "running" : "stopped")}");
        }

        return text.ToString();
    }
}
