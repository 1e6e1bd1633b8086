using System.Globalization;

namespace DataTier.DevCluster.Processes;

/// <summary>
/// Looks at and stops processes by PID. A PID is only trusted together with the start time recorded when the
/// process was started (<c>/proc/PID/stat</c> field 22), so a recycled PID is never signalled.
/// </summary>
internal static class ProcessControl
{
    /// <summary>Start time of a live process in clock ticks since boot, or null when there is no such process.</summary>
    public static long? GetStartTime(int pid)
    {
        var fields = ReadStat(pid);
        if (fields is null || fields[0] == "Z")
        {
            return null;
        }

        // fields[0] is field 3 (state); field 22 (starttime) is therefore fields[19].
        return long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out long start) ? start : null;
    }

    /// <summary>Whether the process that was started at <paramref name="startTime"/> with this PID still runs.</summary>
    public static bool IsAlive(int pid, long startTime)
    {
        if (pid <= 0)
        {
            return false;
        }

        long? current = GetStartTime(pid);
        return current is not null && (startTime == 0 || current == startTime);
    }

    /// <summary>Sends a signal to the process, only if it is still the one recorded.</summary>
    public static bool Signal(int pid, long startTime, int signal) =>
        IsAlive(pid, startTime) && NativeMethods.Kill(pid, signal);

    /// <summary>Waits until the process is gone; false on timeout.</summary>
    public static async Task<bool> WaitForExitAsync(int pid, long startTime, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsAlive(pid, startTime))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; returns once the process is gone.</summary>
    public static async Task TerminateAsync(int pid, long startTime, TimeSpan grace, CancellationToken ct)
    {
        if (!Signal(pid, startTime, NativeMethods.SigTerm))
        {
            return;
        }

        if (await WaitForExitAsync(pid, startTime, grace, ct).ConfigureAwait(false))
        {
            return;
        }

        Signal(pid, startTime, NativeMethods.SigKill);
        if (!await WaitForExitAsync(pid, startTime, TimeSpan.FromSeconds(10), ct).ConfigureAwait(false))
        {
            throw new DevClusterException($"Process {pid} did not exit after SIGKILL.");
        }
    }

    /// <summary>
    /// <see cref="TerminateAsync"/> for a recorded background process, then clears its PID and start time so that the
    /// record says it is stopped.
    /// </summary>
    public static async Task StopRecordedAsync(State.ProcessState process, TimeSpan grace, CancellationToken ct)
    {
        await TerminateAsync(process.Pid, process.StartTime, grace, ct).ConfigureAwait(false);
        process.Pid = 0;
        process.StartTime = 0;
    }

    private static string[]? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces; fields after it are plain.
        int close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 ? fields : null;
    }
}
