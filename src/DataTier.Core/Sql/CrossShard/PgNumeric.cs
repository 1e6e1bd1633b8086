using System.Globalization;
using System.Numerics;
using System.Text;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// A PostgreSQL <c>numeric</c> as an exact unscaled integer and a display scale (digits after the point), so that sums
/// and averages merged across shards have the value and the scale PostgreSQL prints (<c>decimal</c> holds only 28 digits
/// and loses trailing zeros in some operations). NaN and infinities are not represented: an aggregate that meets them
/// is refused.
/// </summary>
internal readonly struct PgNumeric : IEquatable<PgNumeric>, IComparable<PgNumeric>
{
    // PostgreSQL's numeric.c: NUMERIC_MIN_SIG_DIGITS, DEC_DIGITS, NUMERIC_MAX_DISPLAY_SCALE.
    private const int MinSignificantDigits = 16;
    private const int DecimalDigitsPerGroup = 4;
    private const int MaxDisplayScale = 1000;

    public PgNumeric(BigInteger unscaled, int scale)
    {
        Unscaled = unscaled;
        Scale = scale;
    }

    /// <summary>The value times 10^<see cref="Scale"/>.</summary>
    public BigInteger Unscaled { get; }

    /// <summary>Digits after the decimal point (PostgreSQL's dscale).</summary>
    public int Scale { get; }

    public static PgNumeric FromInt64(long value) => new(value, 0);

    public static PgNumeric FromDecimal(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var magnitude = ((BigInteger)(uint)bits[2] << 64) | ((BigInteger)(uint)bits[1] << 32) | (uint)bits[0];
        int scale = (bits[3] >> 16) & 0xFF;
        return new PgNumeric(bits[3] < 0 ? -magnitude : magnitude, scale);
    }

    /// <summary>Parses PostgreSQL's text form (and SQL numeric literals with an exponent).</summary>
    /// <exception cref="FormatException">Not a finite number (NaN, Infinity, or not a number at all).</exception>
    public static PgNumeric Parse(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        int exponent = 0;
        int e = text.IndexOfAny('e', 'E');
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        bool negative = text.Length > 0 && text[0] == '-';
        if (text.Length > 0 && text[0] is '-' or '+')
        {
            text = text[1..];
        }

        int point = text.IndexOf('.');
        ReadOnlySpan<char> whole = point < 0 ? text : text[..point];
        ReadOnlySpan<char> fraction = point < 0 ? [] : text[(point + 1)..];
        if (whole.Length + fraction.Length == 0 || whole.ContainsAnyExcept("0123456789") || fraction.ContainsAnyExcept("0123456789"))
        {
            throw new FormatException($"'{text}' is not a finite numeric value.");
        }

        var builder = new StringBuilder(whole.Length + fraction.Length).Append(whole).Append(fraction);
        var unscaled = BigInteger.Parse(builder.Length == 0 ? "0" : builder.ToString(), NumberStyles.None, CultureInfo.InvariantCulture);
        int scale = fraction.Length - exponent;
        if (scale < 0)
        {
            unscaled *= BigInteger.Pow(10, -scale);
            scale = 0;
        }

        return new PgNumeric(negative ? -unscaled : unscaled, scale);
    }

    public static PgNumeric operator +(PgNumeric a, PgNumeric b)
    {
        int scale = Math.Max(a.Scale, b.Scale);
        return new PgNumeric(a.Rescaled(scale) + b.Rescaled(scale), scale);
    }

    /// <summary>
    /// <paramref name="dividend"/> / <paramref name="divisor"/> as PostgreSQL's <c>numeric_div</c> computes it (and so
    /// <c>avg</c>, which divides the sum by the count): the result scale from <c>select_div_scale</c> (at least 16
    /// significant digits, at least either input's scale), rounded half away from zero.
    /// </summary>
    public static PgNumeric Divide(PgNumeric dividend, PgNumeric divisor)
    {
        if (divisor.Unscaled.IsZero)
        {
            throw new DivideByZeroException();
        }

        var (weight1, first1) = dividend.WeightAndFirstDigit();
        var (weight2, first2) = divisor.WeightAndFirstDigit();
        int quotientWeight = weight1 - weight2;
        if (first1 <= first2)
        {
            quotientWeight--;
        }

        int scale = MinSignificantDigits - (quotientWeight * DecimalDigitsPerGroup);
        scale = Math.Max(scale, Math.Max(dividend.Scale, divisor.Scale));
        scale = Math.Clamp(scale, 0, MaxDisplayScale);

        // value = (u1 / 10^s1) / (u2 / 10^s2); times 10^scale: u1 * 10^(scale + s2) / (u2 * 10^s1).
        var numerator = dividend.Unscaled * BigInteger.Pow(10, scale + divisor.Scale);
        var denominator = divisor.Unscaled * BigInteger.Pow(10, dividend.Scale);
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        if (BigInteger.Abs(remainder) * 2 >= BigInteger.Abs(denominator))
        {
            quotient += (numerator.Sign * denominator.Sign) < 0 ? -1 : 1;
        }

        return new PgNumeric(quotient, scale);
    }

    /// <summary>The value as a <c>decimal</c> with the same scale (what Npgsql gives for a numeric column).</summary>
    /// <exception cref="OverflowException">More than 28 digits, or a scale above 28.</exception>
    public decimal ToDecimal()
    {
        var magnitude = BigInteger.Abs(Unscaled);
        if (Scale > 28 || magnitude.GetBitLength() > 96)
        {
            throw new OverflowException($"The numeric {this} does not fit in a .NET decimal (28 digits).");
        }

        var bytes = new byte[12];
        magnitude.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false);
        return new decimal(BitConverter.ToInt32(bytes, 0), BitConverter.ToInt32(bytes, 4), BitConverter.ToInt32(bytes, 8), Unscaled.Sign < 0, (byte)Scale);
    }

    public int CompareTo(PgNumeric other)
    {
        int scale = Math.Max(Scale, other.Scale);
        return Rescaled(scale).CompareTo(other.Rescaled(scale));
    }

    public bool Equals(PgNumeric other) => CompareTo(other) == 0;

    public override bool Equals(object? obj) => obj is PgNumeric other && Equals(other);

    /// <summary>Equal values hash alike whatever their scale (1.5 and 1.50 are one group, as in PostgreSQL).</summary>
    public override int GetHashCode()
    {
        var unscaled = Unscaled;
        int scale = Scale;
        while (scale > 0 && !unscaled.IsZero && (unscaled % 10).IsZero)
        {
            unscaled /= 10;
            scale--;
        }

        return unscaled.IsZero ? 0 : HashCode.Combine(unscaled, scale);
    }

    /// <summary>PostgreSQL's text form: every digit of the scale, no exponent.</summary>
    public override string ToString()
    {
        string digits = BigInteger.Abs(Unscaled).ToString(CultureInfo.InvariantCulture);
        if (Scale > 0)
        {
            digits = digits.PadLeft(Scale + 1, '0');
            digits = string.Concat(digits.AsSpan(0, digits.Length - Scale), ".", digits.AsSpan(digits.Length - Scale));
        }

        return Unscaled.Sign < 0 ? "-" + digits : digits;
    }

    private BigInteger Rescaled(int scale) => scale == Scale ? Unscaled : Unscaled * BigInteger.Pow(10, scale - Scale);

    // The weight (power of 10000) of the leading base-10000 digit and that digit, as numeric.c stores a value:
    // digits grouped by four from the decimal point, leading zero groups stripped; zero has weight 0 and digit 0.
    private (int Weight, int FirstDigit) WeightAndFirstDigit()
    {
        var magnitude = BigInteger.Abs(Unscaled);
        if (magnitude.IsZero)
        {
            return (0, 0);
        }

        int digits = magnitude.ToString(CultureInfo.InvariantCulture).Length;
        int exponent = digits - Scale; // the value is in [10^(exponent-1), 10^exponent)
        int weight = (int)Math.Floor((exponent - 1) / (double)DecimalDigitsPerGroup);
        int shift = Scale + (weight * DecimalDigitsPerGroup);
        var first = shift >= 0 ? magnitude / BigInteger.Pow(10, shift) : magnitude * BigInteger.Pow(10, -shift);
        return (weight, (int)first);
    }
}
