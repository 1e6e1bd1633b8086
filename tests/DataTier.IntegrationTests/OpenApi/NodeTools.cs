using System.Diagnostics;

namespace DataTier.IntegrationTests.OpenApi;

/// <summary>
/// The npm tools of tests/tools/openapi (swagger-parser, openapi-typescript, openapi-fetch, tsc), installed once per
/// test run with <c>npm ci</c> from the committed lock file. Without node or npm the tests fail, never skip.
/// </summary>
internal static class NodeTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly Lazy<Task> Installed = new(InstallAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>tests/tools/openapi.</summary>
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "tests", "tools", "openapi");

    /// <summary>The repository root (where DataTier.sln is).</summary>
    public static string Root => RepositoryRoot();

    /// <summary>Runs <c>npm ci</c> once.</summary>
    public static Task EnsureInstalledAsync() => Installed.Value;

    /// <summary>Runs node with <paramref name="arguments"/> in the tools directory.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> NodeAsync(params string[] arguments) => RunAsync("node", arguments);

    /// <summary>Runs a program installed under node_modules/.bin.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> BinAsync(string name, params string[] arguments) =>
        RunAsync("node", [Path.Combine(Directory, "node_modules", ".bin", name), .. arguments]);

    private static async Task InstallAsync()
    {
        var (code, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"]);
        Assert.True(code == 0, $"npm ci in {Directory} failed ({code}): {stdout}{stderr}");
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"'{program}' could not be started ({e.Message}): install Node.js 20 and npm.");
            throw;
        }

        using (process)
        {
            return await Infrastructure.PostgresTools.FinishAsync(process, Timeout);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DataTier.sln not found above " + AppContext.BaseDirectory);
    }
}
