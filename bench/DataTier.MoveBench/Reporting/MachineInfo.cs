using System.Runtime.InteropServices;

namespace DataTier.MoveBench.Reporting;

/// <summary>The machine the moves ran on: the rates mean little without it.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, double MemoryGB, string Os, string Runtime, string PostgreSql)
{
    public static MachineInfo Probe(string postgresVersion)
    {
        string cpu = ReadProc("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        double memory = ReadProc("/proc/meminfo", "MemTotal") is { } total && long.TryParse(total.Split(' ')[0], out long kb) ? Math.Round(kb / 1024.0 / 1024.0, 1) : 0;
        return new MachineInfo(cpu, Environment.ProcessorCount, memory, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription, postgresVersion);
    }

    // "key<tabs>: value" lines of a /proc file; the first match's value.
    private static string? ReadProc(string path, string key)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == key)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
