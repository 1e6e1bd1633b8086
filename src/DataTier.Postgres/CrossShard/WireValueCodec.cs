using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;
using DataTier.Core.Sql.CrossShard;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.CrossShard;

/// <summary>
/// Reads the cells the merge needs into the values <see cref="CrossShardValues"/> compares (text and binary formats of
/// integers, numeric, floats, bool, text types, uuid, date, timestamp and timestamptz), and writes the values DataTier
/// computes (int8 counts and sums, numeric sums and averages, bool) in the format the client asked for. Text output of
/// dates and timestamps is read in the ISO DateStyle, which DataTier's backends use.
/// </summary>
internal static class WireValueCodec
{
    public const uint Bool = 16;
    public const uint Int8 = 20;
    public const uint Numeric = 1700;

    // Microseconds between 1970-01-01 and PostgreSQL's epoch, 2000-01-01, in .NET ticks (100 ns).
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly int PostgresEpochDay = new DateOnly(2000, 1, 1).DayNumber;

    /// <summary>Whether the merge can order values of the type (ORDER BY keys, min and max, HAVING comparisons).</summary>
    public static bool IsOrderable(uint typeOid) => typeOid is 16 or 18 or 19 or 20 or 21 or 23 or 25 or 26 or 700 or 701 or 1042 or 1043 or 1082 or 1114 or 1184 or 1700 or 2950;

    public static object Decode(byte[] bytes, uint typeOid, FormatCode format)
    {
        try
        {
            return format == FormatCode.Binary ? DecodeBinary(bytes, typeOid) : DecodeText(Encoding.UTF8.GetString(bytes), typeOid);
        }
        catch (FormatException)
        {
            throw CrossShardRefusal.Create($"the value '{Encoding.UTF8.GetString(bytes)}' of type OID {typeOid}", "DataTier merges finite numbers, and dates and timestamps in the ISO DateStyle");
        }
    }

    private static object DecodeText(string text, uint typeOid) => typeOid switch
    {
        20 or 21 or 23 or 26 => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        1700 => PgNumeric.Parse(text),
        700 or 701 => text switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        },
        16 => text == "t",
        18 or 19 or 25 or 1043 => text,
        1042 => text.TrimEnd(' '),
        2950 => Guid.Parse(text),
        1082 => DateOnly.ParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture),
        1114 => DateTime.ParseExact(text, "yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture, DateTimeStyles.None),
        1184 => ParseTimestampTz(text),
        _ => new WireOpaqueValue(Encoding.UTF8.GetBytes(text), typeOid),
    };

    // ISO output: 2024-01-02 03:04:05.123456+05:30, the offset as +HH, +HH:MM or +HH:MM:SS.
    private static DateTime ParseTimestampTz(string text)
    {
        int sign = text.LastIndexOfAny(['+', '-']);
        if (sign < 10)
        {
            throw new FormatException();
        }

        string offset = text[(sign + 1)..];
        string[] parts = offset.Split(':');
        var span = new TimeSpan(int.Parse(parts[0], CultureInfo.InvariantCulture), parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0, parts.Length > 2 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0);
        var local = DateTime.ParseExact(text[..sign], "yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture, DateTimeStyles.None);
        return DateTime.SpecifyKind(text[sign] == '+' ? local - span : local + span, DateTimeKind.Utc);
    }

    private static object DecodeBinary(byte[] bytes, uint typeOid)
    {
        ReadOnlySpan<byte> b = bytes;
        switch (typeOid)
        {
            case 20:
                return BinaryPrimitives.ReadInt64BigEndian(b);
            case 23:
                return (long)BinaryPrimitives.ReadInt32BigEndian(b);
            case 21:
                return (long)BinaryPrimitives.ReadInt16BigEndian(b);
            case 26:
                return (long)BinaryPrimitives.ReadUInt32BigEndian(b);
            case 700:
                return (double)BinaryPrimitives.ReadSingleBigEndian(b);
            case 701:
                return BinaryPrimitives.ReadDoubleBigEndian(b);
            case 16:
                return b[0] != 0;
            case 18 or 19 or 25 or 1043:
                return Encoding.UTF8.GetString(b);
            case 1042:
                return Encoding.UTF8.GetString(b).TrimEnd(' ');
            case 2950:
                return new Guid(b, bigEndian: true);
            case 1082:
                int days = BinaryPrimitives.ReadInt32BigEndian(b);
                return days is int.MaxValue or int.MinValue ? throw new FormatException() : DateOnly.FromDayNumber(PostgresEpochDay + days);
            case 1114 or 1184:
                long micros = BinaryPrimitives.ReadInt64BigEndian(b);
                return micros is long.MaxValue or long.MinValue
                    ? throw new FormatException()
                    : new DateTime(PostgresEpochTicks + (micros * 10), typeOid == 1184 ? DateTimeKind.Utc : DateTimeKind.Unspecified);
            case 1700:
                return DecodeNumeric(b);
            default:
                return new WireOpaqueValue(bytes, typeOid);
        }
    }

    // numeric's binary form: ndigits, weight, sign, dscale (int16 each), then ndigits base-10000 digits.
    private static PgNumeric DecodeNumeric(ReadOnlySpan<byte> b)
    {
        int count = BinaryPrimitives.ReadInt16BigEndian(b);
        int weight = BinaryPrimitives.ReadInt16BigEndian(b[2..]);
        ushort sign = BinaryPrimitives.ReadUInt16BigEndian(b[4..]);
        int scale = BinaryPrimitives.ReadInt16BigEndian(b[6..]);
        if (sign is not (0x0000 or 0x4000))
        {
            throw new FormatException();
        }

        var value = BigInteger.Zero;
        for (int i = 0; i < count; i++)
        {
            value = (value * 10000) + BinaryPrimitives.ReadInt16BigEndian(b[(8 + (2 * i))..]);
        }

        // value holds digits d0..d(n-1) with d0 at 10000^weight: times 10^scale it is value * 10^(4*(weight-n+1) + scale).
        int shift = (4 * (weight - count + 1)) + scale;
        value = shift >= 0 ? value * BigInteger.Pow(10, shift) : value / BigInteger.Pow(10, -shift);
        return new PgNumeric(sign == 0x4000 ? -value : value, scale);
    }

    /// <summary>A value DataTier computed, in the client's format: int8, numeric or bool.</summary>
    public static byte[] Encode(object value, uint typeOid, FormatCode format)
    {
        if (format == FormatCode.Text)
        {
            return Encoding.UTF8.GetBytes(value switch
            {
                bool b => b ? "t" : "f",
                long l => l.ToString(CultureInfo.InvariantCulture),
                PgNumeric n => n.ToString(),
                _ => throw new InvalidOperationException($"DataTier computed a {value.GetType().Name} for a column of type OID {typeOid}."),
            });
        }

        switch (value)
        {
            case bool b:
                return [b ? (byte)1 : (byte)0];
            case long l when typeOid == Int8:
                var int8 = new byte[8];
                BinaryPrimitives.WriteInt64BigEndian(int8, l);
                return int8;
            case long l:
                return EncodeNumeric(PgNumeric.FromInt64(l));
            case PgNumeric n:
                return EncodeNumeric(n);
            default:
                throw new InvalidOperationException($"DataTier computed a {value.GetType().Name} for a column of type OID {typeOid}.");
        }
    }

    private static byte[] EncodeNumeric(PgNumeric value)
    {
        string digits = BigInteger.Abs(value.Unscaled).ToString(CultureInfo.InvariantCulture);
        int scale = value.Scale;
        string whole = digits.Length > scale ? digits[..^scale] : "";
        string fraction = digits.Length > scale ? digits[^scale..] : digits.PadLeft(scale, '0');
        whole = whole.PadLeft((whole.Length + 3) / 4 * 4, '0');
        fraction = fraction.PadRight((fraction.Length + 3) / 4 * 4, '0');
        var groups = new List<short>();
        for (int i = 0; i < whole.Length; i += 4)
        {
            groups.Add(short.Parse(whole.AsSpan(i, 4), CultureInfo.InvariantCulture));
        }

        for (int i = 0; i < fraction.Length; i += 4)
        {
            groups.Add(short.Parse(fraction.AsSpan(i, 4), CultureInfo.InvariantCulture));
        }

        int weight = (whole.Length / 4) - 1;
        int first = 0;
        while (first < groups.Count && groups[first] == 0)
        {
            first++;
            weight--;
        }

        int last = groups.Count;
        while (last > first && groups[last - 1] == 0)
        {
            last--;
        }

        int count = last - first;
        var bytes = new byte[8 + (2 * count)];
        BinaryPrimitives.WriteInt16BigEndian(bytes, (short)count);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2), (short)(count == 0 ? 0 : weight));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), value.Unscaled.Sign < 0 ? (ushort)0x4000 : (ushort)0);
        BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(6), (short)scale);
        for (int i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(8 + (2 * i)), groups[first + i]);
        }

        return bytes;
    }
}
