using DataTier.CommandLine;

namespace DataTier.Cli.Tests;

/// <summary>The three command lines built on DataTier.CommandLine, by name, each built anew for every test.</summary>
internal static class Tools
{
    public const string Cli = "datatier";
    public const string LoadReport = "DataTier.LoadReport";
    public const string MoveBench = "DataTier.MoveBench";

    public static CommandLineRunner Build(string tool) => tool switch
    {
        Cli => CommandTree.Build(),
        LoadReport => DataTier.LoadReport.Program.BuildCommands(),
        MoveBench => DataTier.MoveBench.Program.BuildCommands(),
        _ => throw new ArgumentOutOfRangeException(nameof(tool), tool, "not a tool"),
    };

    /// <summary>Every command of every tool, as (tool, path below the root joined by spaces): read from the trees, so a new command is in.</summary>
    public static TheoryData<string, string> EveryCommand()
    {
        var data = new TheoryData<string, string>();
        foreach (string tool in new[] { Cli, LoadReport, MoveBench })
        {
            foreach (var (_, path) in Build(tool).Commands())
            {
                data.Add(tool, string.Join(' ', path));
            }
        }

        return data;
    }

    /// <summary>Runs <paramref name="args"/> (split on spaces) through the tool without a console; returns exit code, stdout, stderr.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string tool, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await Build(tool).RunAsync(args, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }

    public static string[] Split(string path) => path.Length == 0 ? [] : path.Split(' ');
}
