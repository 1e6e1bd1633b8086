namespace DataTier.LoadReport.Model;

/// <summary>Resident memory (VmRSS) of the DataTier server that served a scenario, in MB.</summary>
internal sealed record MemorySummary(double MaxRssMb, double MeanRssMb);
