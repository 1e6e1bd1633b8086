using DataTier.Cli.Arguments;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary><c>datatier dev status</c>: whether the local cluster runs, and how to reach it.</summary>
internal static class DevStatusCommand
{
    public const string Usage = "dev status [--json] [--dir D]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr)
    {
        string dir = CliEnvironment.DevDir(args.Option("--dir"));
        bool json = args.Flag("--json");
        args.EnsureAllUsed();

        var manifest = LocalCluster.Status(dir);
        if (manifest is not null)
        {
            await stdout.WriteLineAsync(json ? manifest.ToJson() : DevUpCommand.Describe(manifest) + ProcessTable(LocalCluster.Attach(dir)))
                .ConfigureAwait(false);
            return 0;
        }

        if (!File.Exists(Path.Combine(dir, "cluster.json")))
        {
            await stderr.WriteLineAsync($"No dev cluster in {dir}. Start one: ./datatier dev up").ConfigureAwait(false);
            return 1;
        }

        await stderr.WriteLineAsync(
            $"The dev cluster in {dir} is not (fully) running:\n{ProcessTable(LocalCluster.Attach(dir))}" +
            "Rebuild it with ./datatier dev up, or remove it with ./datatier dev down.").ConfigureAwait(false);
        return 1;
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
