using DataTier.Cli.Arguments;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary><c>datatier dev down</c>: stops what <c>dev up</c> started and removes its files.</summary>
internal static class DevDownCommand
{
    public const string Usage = "dev down [--dir D]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stderr, CancellationToken ct)
    {
        string dir = CliEnvironment.DevDir(args.Option("--dir"));
        args.EnsureAllUsed();
        await LocalCluster.DownAsync(dir, stderr, ct).ConfigureAwait(false);
        return 0;
    }
}
