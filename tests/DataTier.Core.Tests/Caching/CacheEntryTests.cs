using System.Text;
using DataTier.Core.Caching;

namespace DataTier.Core.Tests.Caching;

public sealed class CacheEntryTests
{
    private static CacheEntry Entry(IReadOnlyList<CachedShardPart>? parts) =>
        new(Encoding.UTF8.GetBytes("[{\"a\":1}]"), 1, false, parts is null ? "s1" : "*", parts is null ? 42UL : 0UL,
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), TimeSpan.FromSeconds(30), 12.5, 7)
        {
            Parts = parts,
        };

    [Fact]
    public void A_keyed_entry_survives_encoding()
    {
        var decoded = CacheEntry.Decode(Entry(null).Encode())!;
        Assert.Null(decoded.Parts);
        Assert.Equal(42UL, decoded.Lsn);
        Assert.Equal("s1", decoded.ShardId);
        Assert.Equal("[{\"a\":1}]", Encoding.UTF8.GetString(decoded.RowsJson));
        Assert.Equal(TimeSpan.FromSeconds(30), decoded.Ttl);
        Assert.Equal(7, decoded.Complexity);
    }

    [Fact]
    public void A_scatter_entry_keeps_each_shards_lsn_and_rows_through_encoding()
    {
        var decoded = CacheEntry.Decode(Entry([new("s1", 100, 3), new("shard-two", ulong.MaxValue, 0)]).Encode())!;
        Assert.Equal([new CachedShardPart("s1", 100, 3), new CachedShardPart("shard-two", ulong.MaxValue, 0)], decoded.Parts!);
        Assert.Equal("[{\"a\":1}]", Encoding.UTF8.GetString(decoded.RowsJson));
    }

    [Fact]
    public void Truncated_or_foreign_bytes_decode_to_nothing()
    {
        var bytes = Entry([new("s1", 100, 3)]).Encode();
        Assert.Null(CacheEntry.Decode(bytes.AsSpan(0, 44)));
        Assert.Null(CacheEntry.Decode("not an entry at all, just text"u8));
        bytes[0] = 9;
        Assert.Null(CacheEntry.Decode(bytes));
    }

    [Fact]
    public void A_scatter_entry_serves_a_session_only_when_every_shard_has_reached_the_tokens_lsn()
    {
        var entry = Entry([new("s1", 100, 3), new("s2", 50, 1)]);
        Assert.True(entry.HasReached(new Dictionary<string, ulong> { ["s1"] = 100, ["s2"] = 0 }));
        Assert.True(entry.HasReached(new Dictionary<string, ulong>()));
        Assert.False(entry.HasReached(new Dictionary<string, ulong> { ["s1"] = 100, ["s2"] = 51 }));
        Assert.False(entry.HasReached(new Dictionary<string, ulong> { ["s1"] = 101 }));
    }

    [Fact]
    public void A_keyed_entry_compares_its_own_shards_lsn()
    {
        var entry = Entry(null);
        Assert.True(entry.HasReached(new Dictionary<string, ulong> { ["s1"] = 42, ["s2"] = 1000 }));
        Assert.False(entry.HasReached(new Dictionary<string, ulong> { ["s1"] = 43 }));
    }
}
