using System.Diagnostics;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>Runs the PostgreSQL client tools (psql, pgbench from postgresql-client-15) as users run them.</summary>
public static class PostgresTools
{
    /// <summary>Starts <paramref name="tool"/>; the caller writes stdin (if any) and waits with <see cref="FinishAsync"/>.</summary>
    public static Process Start(string tool, IEnumerable<string> arguments, bool redirectInput = false)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No ~/.psqlrc, no pager, no locale surprises.
        start.Environment["PSQLRC"] = "/dev/null";
        start.Environment["PAGER"] = "cat";
        start.Environment["LC_ALL"] = "C.UTF-8";
        return Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
    }

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string tool, IEnumerable<string> arguments, TimeSpan timeout, string? stdin = null)
    {
        using var process = Start(tool, arguments, stdin is not null);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        return await FinishAsync(process, timeout);
    }

    public static async Task<(int Code, string Stdout, string Stderr)> FinishAsync(Process process, TimeSpan timeout)
    {
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
            Assert.Fail($"{process.StartInfo.FileName} did not finish within {timeout.TotalSeconds:0} s: {await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
