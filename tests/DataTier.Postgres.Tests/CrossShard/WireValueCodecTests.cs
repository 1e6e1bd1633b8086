using System.Buffers.Binary;
using DataTier.Core.Sql.CrossShard;
using DataTier.Postgres.CrossShard;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Tests.CrossShard;

/// <summary>The wire's reading of shard cells for the merge and its writing of the values DataTier computes.</summary>
public sealed class WireValueCodecTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("0.00000000000000000000")]
    [InlineData("19005.000000000000")]
    [InlineData("-0.66666666666666666667")]
    [InlineData("123456789012345678901234567890.5")]
    [InlineData("10000")]
    [InlineData("0.0001")]
    public void Numeric_binary_form_round_trips_with_its_scale(string text)
    {
        var value = PgNumeric.Parse(text);

        byte[] binary = WireValueCodec.Encode(value, WireValueCodec.Numeric, FormatCode.Binary);
        var decoded = (PgNumeric)WireValueCodec.Decode(binary, WireValueCodec.Numeric, FormatCode.Binary);

        Assert.Equal(text, decoded.ToString());
    }

    [Fact]
    public void Numeric_binary_form_is_postgresqls_base_10000_layout()
    {
        // 19005.50 = digits [1, 9005, 5000], weight 1, positive, dscale 2.
        byte[] binary = WireValueCodec.Encode(PgNumeric.Parse("19005.50"), WireValueCodec.Numeric, FormatCode.Binary);

        short[] words = [.. Enumerable.Range(0, binary.Length / 2).Select(i => BinaryPrimitives.ReadInt16BigEndian(binary.AsSpan(2 * i)))];
        Assert.Equal([3, 1, 0, 2, 1, 9005, 5000], words);
    }

    [Fact]
    public void Counts_are_int8_in_both_formats()
    {
        Assert.Equal("42"u8.ToArray(), WireValueCodec.Encode(42L, WireValueCodec.Int8, FormatCode.Text));
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0, 0, 0, 42 }, WireValueCodec.Encode(42L, WireValueCodec.Int8, FormatCode.Binary));
        Assert.Equal(42L, WireValueCodec.Decode(new byte[] { 0, 0, 0, 0, 0, 0, 0, 42 }, WireValueCodec.Int8, FormatCode.Binary));
    }

    [Fact]
    public void Timestamptz_text_and_binary_decode_to_the_same_instant()
    {
        var text = (DateTime)WireValueCodec.Decode("2026-12-04 16:30:00.25+05:30"u8.ToArray(), 1184, FormatCode.Text);
        var binary = new byte[8];
        // Microseconds since 2000-01-01 UTC of 2026-12-04 11:00:00.25 UTC.
        long micros = (new DateTime(2026, 12, 4, 11, 0, 0, 250, DateTimeKind.Utc) - new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Ticks / 10;
        BinaryPrimitives.WriteInt64BigEndian(binary, micros);

        Assert.Equal(text, (DateTime)WireValueCodec.Decode(binary, 1184, FormatCode.Binary));
        Assert.Equal(0, CrossShardValues.Compare(text, WireValueCodec.Decode(binary, 1184, FormatCode.Binary)));
    }

    [Fact]
    public void Unordered_types_group_by_their_bytes_and_refuse_ordering()
    {
        object a = WireValueCodec.Decode("{\"a\": 1}"u8.ToArray(), 3802, FormatCode.Text);
        object b = WireValueCodec.Decode("{\"a\": 1}"u8.ToArray(), 3802, FormatCode.Text);

        Assert.True(CrossShardValues.Equals(a, b));
        var error = Assert.Throws<DataTier.Core.Errors.DataTierException>(() => CrossShardValues.Compare(a, b));
        Assert.Contains("type OID 3802", error.Message, StringComparison.Ordinal);
    }
}
