using DataTier.Core.Caching;
using DataTier.Core.Consistency;
using DataTier.Core.Execution;

namespace DataTier.Core.DataPath;

/// <summary>A read of every shard, merged, as any front end hands it to Core.</summary>
/// <param name="Statement">One checked, bound SELECT.</param>
/// <param name="OrderBy">The merge order (each shard's part is sorted by it); empty: parts concatenated.</param>
/// <param name="Limit">Rows of the merged answer at most; null: <paramref name="MaxRows"/>.</param>
/// <param name="AllowPartial">Answer with the shards that answered when some fail.</param>
/// <param name="Consistency">Which nodes may answer.</param>
/// <param name="Token">The session's writes (for <see cref="ConsistencyLevel.Session"/>).</param>
/// <param name="MaxRows">Rows per shard and in the answer at most.</param>
/// <param name="TimeoutMs">Statement timeout per shard.</param>
/// <param name="Cache">How the read uses the cache.</param>
public sealed record ScatterReadRequest(BoundStatement Statement, IReadOnlyList<SortColumn> OrderBy, int? Limit, bool AllowPartial, ConsistencyLevel Consistency, SessionToken? Token, int MaxRows, int TimeoutMs, CacheMode Cache)
{
    /// <summary>A keyset page of the statement's ORDER BY instead of the whole answer (read from the shards, never cached); null: the whole answer.</summary>
    public ScatterPageRequest? Page { get; init; }
}

/// <summary>A keyset page: at most <paramref name="Size"/> rows after the previous page's <c>next</c> token (null: the first page).</summary>
/// <param name="Size">Rows per page.</param>
/// <param name="After">The previous page's token.</param>
public sealed record ScatterPageRequest(int Size, string? After);
