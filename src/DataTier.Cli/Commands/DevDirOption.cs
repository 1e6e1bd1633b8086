using System.CommandLine;

namespace DataTier.Cli.Commands;

/// <summary><c>--dir D</c>: the dev cluster's directory (see <see cref="CliEnvironment.DevDir"/>).</summary>
internal static class DevDirOption
{
    public static Option<string?> Create() => new("--dir")
    {
        Description = $"The dev cluster's directory (default: ${CliEnvironment.DevDirVariable}, else <repo>/.dev).",
        HelpName = "D",
    };
}
