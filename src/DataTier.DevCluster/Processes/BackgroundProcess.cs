using System.ComponentModel;
using System.Diagnostics;

namespace DataTier.DevCluster.Processes;

/// <summary>
/// Starts a long-running process that outlives this one: in its own session (so a Ctrl-C or a closed terminal
/// does not reach it), stdin from <c>/dev/null</c>, stdout and stderr appended to a log file. Nothing is left
/// connected to this process's stdout, so <c>datatier dev up --json | jq</c> ends when the CLI ends.
/// </summary>
internal static class BackgroundProcess
{
    private const string LogVariable = "DATATIER_BACKGROUND_LOG";

    // "$0" is the program, "$@" its arguments; exec keeps the PID, so the PID we see is the program's.
    private const string Script = "exec \"$0\" \"$@\" </dev/null >>\"$" + LogVariable + "\" 2>&1";

    /// <summary>Starts the program; returns its PID and start time.</summary>
    public static (int Pid, long StartTime) Start(
        string executable,
        IReadOnlyList<string> arguments,
        string logFile,
        string workingDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        // setsid(1) only forks when it is a process group leader, which a child of this process is not,
        // so it execs in place and the PID stays the program's.
        string? setsid = ExecutableLocator.Find("setsid");
        var psi = new ProcessStartInfo(setsid ?? "/bin/sh") { UseShellExecute = false, WorkingDirectory = workingDirectory };
        if (setsid is not null)
        {
            psi.ArgumentList.Add("/bin/sh");
        }

        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        psi.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }

        psi.Environment[LogVariable] = logFile;
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        try
        {
            using var process = Process.Start(psi) ?? throw new DevClusterException($"Could not start {executable}.");
            int pid = process.Id;
            long start = ProcessControl.GetStartTime(pid)
                ?? throw new DevClusterException($"{Path.GetFileName(executable)} exited at once; see {logFile}:\n{OutputTail.OfFile(logFile, 15)}");
            return (pid, start);
        }
        catch (Win32Exception e)
        {
            throw new DevClusterException($"Could not start {executable}: {e.Message}", e);
        }
    }
}
