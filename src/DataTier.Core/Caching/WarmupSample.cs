using DataTier.Core.Execution;

namespace DataTier.Core.Caching;

/// <summary>
/// The latest cacheable read of one statement shape, with its parameter values: what a warm-up from the digest runs
/// again. A keyed read has its <see cref="ShardKey"/>; a scatter read has none and keeps its merge order and limit.
/// </summary>
public sealed record WarmupSample(string? ShardKey, BoundStatement Statement, IReadOnlyList<SortColumn> OrderBy, int? Limit, int MaxRows, int TimeoutMs);
