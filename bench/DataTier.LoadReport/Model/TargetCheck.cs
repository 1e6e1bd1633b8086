namespace DataTier.LoadReport.Model;

/// <summary>One of the targets: the goal, what was measured, and whether it was met (null: not measured).</summary>
internal sealed record TargetCheck(string Name, string Goal, string Measured, bool? Met);
