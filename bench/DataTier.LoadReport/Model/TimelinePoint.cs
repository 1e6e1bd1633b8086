namespace DataTier.LoadReport.Model;

/// <summary>One sample of the run: DataTier's CPU and memory and the machine's CPU, for the timeline chart.</summary>
internal sealed record TimelinePoint(double Seconds, double DataTierCores, double MachineCores, double DataTierRssMb, double CacheOffRssMb);
