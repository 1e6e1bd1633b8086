using System.Collections.Immutable;

namespace DataTier.Core.Consistency;

/// <summary>
/// The commit LSNs a session has written, per shard. A read that carries it must see those writes.
/// </summary>
public sealed record SessionToken(ImmutableSortedDictionary<string, ulong> ShardLsns, DateTimeOffset IssuedAt)
{
    /// <summary>A token with no writes.</summary>
    public static SessionToken Empty { get; } = new(ImmutableSortedDictionary.Create<string, ulong>(StringComparer.Ordinal), DateTimeOffset.UnixEpoch);

    /// <summary>The LSN a read of the shard must have reached, or 0.</summary>
    public ulong LsnFor(string shardId) => ShardLsns.TryGetValue(shardId, out var lsn) ? lsn : 0;

    /// <summary>This token with a write to a shard at an LSN added (keeping the highest LSN per shard).</summary>
    public SessionToken With(string shardId, ulong lsn, DateTimeOffset now) =>
        new(ShardLsns.SetItem(shardId, Math.Max(lsn, LsnFor(shardId))), now);

    /// <summary>Both tokens' writes.</summary>
    public SessionToken Merge(SessionToken other)
    {
        var merged = ShardLsns;
        foreach (var (shard, lsn) in other.ShardLsns)
        {
            merged = merged.SetItem(shard, Math.Max(lsn, LsnFor(shard)));
        }

        return new SessionToken(merged, IssuedAt > other.IssuedAt ? IssuedAt : other.IssuedAt);
    }
}
