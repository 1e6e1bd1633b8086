using DataTier.Core.Routing;

namespace DataTier.Core.Execution;

/// <summary>A read's rows and where they came from.</summary>
public sealed record ReadOutcome(QueryResult Result, string ShardId, ReadTarget Target, double ElapsedMs);
