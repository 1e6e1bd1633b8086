using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace DataTier.DevCluster.Processes;

/// <summary>
/// Runs short-lived commands and captures their output. PostgreSQL refuses to run as root, so when this
/// process is root every PostgreSQL binary runs as the <c>postgres</c> OS user through <c>runuser</c>.
/// </summary>
internal sealed class CommandRunner
{
    public const string PostgresOsUser = "postgres";

    private readonly string? _runuser;

    public CommandRunner(bool runAsPostgres)
    {
        RunAsPostgres = runAsPostgres;
        if (runAsPostgres)
        {
            _runuser = ExecutableLocator.Find("runuser")
                ?? throw new DevClusterException("Running as root needs 'runuser' (package util-linux) to start PostgreSQL as the 'postgres' user.");
        }
    }

    /// <summary>Whether PostgreSQL binaries run as the <c>postgres</c> OS user (this process is root).</summary>
    public bool RunAsPostgres { get; }

    /// <summary>Whether this process runs as root.</summary>
    public static bool CurrentUserIsRoot =>
        !OperatingSystem.IsWindows() && (NativeMethods.GetEffectiveUserId() == 0 || Environment.UserName == "root");

    /// <summary>Runs a PostgreSQL binary (as <c>postgres</c> when root); throws with its output when it fails.</summary>
    public async Task<CommandResult> RunPostgresToolAsync(
        string what,
        string executable,
        IReadOnlyList<string> arguments,
        CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var result = RunAsPostgres
            ? await RunAsync(_runuser!, ["-u", PostgresOsUser, "--", executable, .. arguments], environment, workingDirectory, ct).ConfigureAwait(false)
            : await RunAsync(executable, arguments, environment, workingDirectory, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new DevClusterException($"{what} failed (exit code {result.ExitCode}):\n{result.Tail()}");
        }

        return result;
    }

    /// <summary>Gives a file or directory to the <c>postgres</c> OS user; does nothing unless running as root.</summary>
    public async Task ChownToPostgresAsync(string path, bool recursive, CancellationToken ct)
    {
        if (!RunAsPostgres)
        {
            return;
        }

        string[] args = recursive ? ["-R", $"{PostgresOsUser}:{PostgresOsUser}", path] : [$"{PostgresOsUser}:{PostgresOsUser}", path];
        var result = await RunAsync(ExecutableLocator.Find("chown") ?? "chown", args, null, null, ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new DevClusterException($"chown of {path} to '{PostgresOsUser}' failed:\n{result.Tail()}");
        }
    }

    /// <summary>Runs a command as the current user and captures stdout and stderr together.</summary>
    public static async Task<CommandResult> RunAsync(
        string executable,
        IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment,
        string? workingDirectory,
        CancellationToken ct)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            throw new DevClusterException($"Could not run {executable}: {e.Message}", e);
        }

        process.StandardInput.Close();
        var output = new StringBuilder();
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        try
        {
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The whole tree (runuser -> initdb, ...), and wait for it: a tool that goes on cleaning up after
            // us (initdb removes its half-made data directory) would race with our own clean-up.
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await Task.WhenAll(stdout, stderr).ConfigureAwait(false);
        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString());
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder into)
    {
        string? line;
        while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) is not null)
        {
            lock (into)
            {
                into.AppendLine(line);
            }
        }
    }
}
