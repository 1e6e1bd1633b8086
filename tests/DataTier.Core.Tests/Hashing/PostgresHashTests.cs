using DataTier.Core.Hashing;

namespace DataTier.Core.Tests.Hashing;

/// <summary>
/// Golden values read from a PostgreSQL 15 server; the integration suite compares 10,000+ keys against a live one.
/// Constants make "the same shard on every process and machine" a property checked without a server.
/// </summary>
public sealed class PostgresHashTests
{
    [Theory]
    [InlineData("team-42", 0L, -4352505759760220499L)]
    [InlineData("team-42", 42L, -4152003241813342655L)]
    [InlineData("", 0L, -6939563903564495251L)]
    [InlineData("", 42L, 6158832220375811857L)]
    [InlineData("é日本🙂", 0L, 7892600128531866529L)]
    [InlineData("é日本🙂", 42L, 2685326241465669696L)]
    [InlineData("abcdefghijklmnop", 0L, 878954068520307163L)]
    [InlineData("abcdefghijklmnop", 42L, -206924605956773643L)]
    public void HashText_matches_hashtextextended(string key, long seed, long expected) =>
        Assert.Equal(expected, PostgresHash.HashText(key, seed));

    [Fact]
    public void HashInt64_matches_hashint8extended()
    {
        Assert.Equal(-9082176226831438310L, PostgresHash.HashInt64(-5, 0));
        Assert.Equal(5674636753829501817L, PostgresHash.HashInt64(long.MaxValue, 7));
    }

    [Fact]
    public void HashUuid_matches_uuid_hash_extended() =>
        Assert.Equal(-7660212938568749411L, PostgresHash.HashUuid(Guid.Parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), 0));

    [Fact]
    public void HashText_of_a_long_key_uses_the_pooled_buffer_and_agrees_with_the_byte_hash()
    {
        string key = new('x', 10_000);
        Assert.Equal(PostgresHash.HashBytes(System.Text.Encoding.UTF8.GetBytes(key)), PostgresHash.HashText(key));
    }
}
