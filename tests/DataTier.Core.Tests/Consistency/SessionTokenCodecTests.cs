using DataTier.Core.Consistency;
using DataTier.Core.Errors;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Consistency;

public sealed class SessionTokenCodecTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static SessionTokenCodec Codec(TimeProvider? time = null, string? key = null) =>
        new(Options.Create(new TokenOptions { SigningKey = key ?? Key }), time ?? TimeProvider.System);

    [Fact]
    public void A_token_round_trips_with_every_shard_lsn()
    {
        var token = SessionToken.Empty.With("s1", 123, DateTimeOffset.UtcNow).With("s2", ulong.MaxValue - 1, DateTimeOffset.UtcNow);
        var decoded = Codec().Decode(Codec().Encode(token));
        Assert.Equal(123UL, decoded.LsnFor("s1"));
        Assert.Equal(ulong.MaxValue - 1, decoded.LsnFor("s2"));
        Assert.Equal(0UL, decoded.LsnFor("s3"));
    }

    [Fact]
    public void Merging_keeps_the_highest_lsn_per_shard()
    {
        var a = SessionToken.Empty.With("s1", 10, DateTimeOffset.UtcNow).With("s2", 5, DateTimeOffset.UtcNow);
        var b = SessionToken.Empty.With("s1", 7, DateTimeOffset.UtcNow).With("s3", 9, DateTimeOffset.UtcNow);
        var merged = a.Merge(b);
        Assert.Equal(10UL, merged.LsnFor("s1"));
        Assert.Equal(5UL, merged.LsnFor("s2"));
        Assert.Equal(9UL, merged.LsnFor("s3"));
    }

    [Fact]
    public void A_tampered_token_is_refused()
    {
        string encoded = Codec().Encode(SessionToken.Empty.With("s1", 1, DateTimeOffset.UtcNow));
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(encoded);
        bytes[^20] ^= 1;
        var ex = Assert.Throws<DataTierException>(() => Codec().Decode(System.Buffers.Text.Base64Url.EncodeToString(bytes)));
        Assert.Equal("invalid-token", ex.Code);
    }

    [Fact]
    public void A_token_signed_with_another_key_is_refused()
    {
        string other = Convert.ToBase64String(new byte[32]);
        string encoded = Codec(key: other).Encode(SessionToken.Empty.With("s1", 1, DateTimeOffset.UtcNow));
        Assert.Equal("invalid-token", Assert.Throws<DataTierException>(() => Codec().Decode(encoded)).Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !!")]
    [InlineData("AAAA")]
    public void Garbage_is_refused(string token) =>
        Assert.Equal("invalid-token", Assert.Throws<DataTierException>(() => Codec().Decode(token)).Code);

    [Fact]
    public void An_expired_token_is_refused()
    {
        string encoded = Codec().Encode(SessionToken.Empty.With("s1", 1, DateTimeOffset.UtcNow.AddDays(-2)));
        Assert.Equal("expired-token", Assert.Throws<DataTierException>(() => Codec().Decode(encoded)).Code);
    }
}
