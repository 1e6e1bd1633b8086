using System.Diagnostics;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// An npm tool of the tests (tests/tools/&lt;purpose&gt;/, its package.json and package-lock.json committed): installed
/// with <c>npm ci</c> once per test run, then run with node. Without node or npm the test fails, it never skips.
/// </summary>
public static class NodeTool
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static readonly HashSet<string> Installed = new(StringComparer.Ordinal);

    /// <summary>The repository's root (the folder holding DataTier.sln).</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
        {
            dir = dir.Parent;
        }

        Assert.True(dir is not null, $"no DataTier.sln above {AppContext.BaseDirectory}");
        return dir!.FullName;
    }

    /// <summary>tests/tools/<paramref name="purpose"/>, its packages installed (<c>npm ci</c>, once per process).</summary>
    public static async Task<string> InstallAsync(string purpose)
    {
        string dir = Path.Combine(RepositoryRoot(), "tests", "tools", purpose);
        Assert.True(File.Exists(Path.Combine(dir, "package-lock.json")), $"{dir} has no package-lock.json");
        await InstallGate.WaitAsync();
        try
        {
            // npm ci deletes node_modules first: skipped when an earlier test of this run installed the same lock.
            if (Installed.Add(dir) || !Directory.Exists(Path.Combine(dir, "node_modules")))
            {
                var (code, stdout, stderr) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], dir, null, TimeSpan.FromMinutes(3));
                Assert.True(code == 0, $"npm ci in {dir} failed ({code}): {stdout}\n{stderr}");
            }
        }
        finally
        {
            InstallGate.Release();
        }

        return dir;
    }

    /// <summary>Runs a program (e.g. <c>node</c>) in <paramref name="workingDirectory"/> to its end; past <paramref name="timeout"/> its process tree is killed and the test fails.</summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string program, IEnumerable<string> arguments, string workingDirectory,
        IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"'{program}' could not be started ({ex.Message}); install Node.js 20 and npm.", ex);
        }

        using (process)
        {
            return await PostgresTools.FinishAsync(process, timeout);
        }
    }
}
