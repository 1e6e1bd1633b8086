using DataTier.Core.Caching;
using DataTier.Core.Consistency;
using DataTier.Core.Execution;

namespace DataTier.Core.DataPath;

/// <summary>A read of the shard that owns <paramref name="ShardKey"/>, as any front end hands it to Core.</summary>
/// <param name="ShardKey">The key whose shard answers.</param>
/// <param name="Statement">One checked, bound SELECT.</param>
/// <param name="Consistency">Which nodes may answer.</param>
/// <param name="Token">The session's writes (for <see cref="ConsistencyLevel.Session"/>).</param>
/// <param name="MaxRows">Rows returned at most (already within the configured limits).</param>
/// <param name="TimeoutMs">Statement timeout (already within the configured limits).</param>
/// <param name="Cache">How the read uses the cache.</param>
public sealed record ReadRequest(string ShardKey, BoundStatement Statement, ConsistencyLevel Consistency, SessionToken? Token, int MaxRows, int TimeoutMs, CacheMode Cache);
