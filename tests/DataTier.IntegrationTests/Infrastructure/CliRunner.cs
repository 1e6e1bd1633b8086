using System.Diagnostics;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>Runs the built <c>datatier</c> CLI (and finds other built dlls of the solution) as a child process.</summary>
public static class CliRunner
{
    public static string BuiltDll(string project, string dll)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = dir.Parent!.Name;
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        string path = Path.Combine(dir!.FullName, "src", project, "bin", configuration, "net10.0", dll);
        Assert.True(File.Exists(path), $"{path} is missing; build the solution first");
        return path;
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string dll, string arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\" {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"datatier {arguments} ran past {timeout}: {await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
