using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Sampling;

/// <summary>Describes the machine and the tools' versions for the report.</summary>
internal static class MachineProbe
{
    public static MachineInfo Describe() => new(
        Environment.ProcessorCount,
        Math.Round(MemTotalKb() / 1024.0 / 1024.0, 1),
        FirstValue("/proc/cpuinfo", "model name", ':') ?? "unknown",
        (FirstValue("/etc/os-release", "PRETTY_NAME", '=') ?? "unknown").Trim('"'),
        ReadTrimmed("/proc/sys/kernel/osrelease"),
        RuntimeInformation.FrameworkDescription,
        FirstLine("pgbench", "--version"),
        FirstLine("wrk", "-v").Split(" Copyright", 2)[0],
        FirstLine("pgpool", "--version"),
        ReadTrimmed("/proc/loadavg"));

    /// <summary>The kernel's clock ticks per second (USER_HZ), the unit of /proc/PID/stat's CPU times.</summary>
    public static double ClockTicksPerSecond() =>
        double.TryParse(FirstLine("getconf", "CLK_TCK"), NumberStyles.Float, CultureInfo.InvariantCulture, out double hz) && hz > 0 ? hz : 100;

    private static long MemTotalKb()
    {
        string? value = FirstValue("/proc/meminfo", "MemTotal", ':');
        return value is null ? 0 : long.Parse(value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }

    private static string? FirstValue(string file, string key, char separator)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (string line in File.ReadLines(file))
        {
            int i = line.IndexOf(separator, StringComparison.Ordinal);
            if (i > 0 && line[..i].Trim() == key)
            {
                return line[(i + 1)..].Trim();
            }
        }

        return null;
    }

    private static string ReadTrimmed(string file) => File.Exists(file) ? File.ReadAllText(file).Trim() : "unknown";

    private static string FirstLine(string tool, string argument)
    {
        try
        {
            var psi = new ProcessStartInfo(tool, argument) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(psi);
            if (process is null)
            {
                return "unknown";
            }

            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            if (!process.WaitForExit(5000))
            {
                process.Kill();
            }

            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }
}
