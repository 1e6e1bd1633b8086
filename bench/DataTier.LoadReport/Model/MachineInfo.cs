namespace DataTier.LoadReport.Model;

/// <summary>The machine and tool versions a report was measured with.</summary>
internal sealed record MachineInfo(
    int Cores,
    double MemoryGiB,
    string CpuModel,
    string Os,
    string Kernel,
    string Dotnet,
    string Postgres,
    string Wrk,
    string Pgpool,
    string LoadAverageAtStart);
