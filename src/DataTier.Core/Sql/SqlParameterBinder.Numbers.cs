using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace DataTier.Core.Sql;

// Exact number handling: a JSON number becomes decimal only when decimal holds it without rounding.
public static partial class SqlParameterBinder
{
    /// <summary>Integers beyond decimal's range go as BigInteger; this bounds the (quadratic) parse of hostile input.</summary>
    private const int MaxNumericDigits = 1000;

    // Longer numeric strings cannot be exact decimals (29 digits at most) unless padded with zeros nobody sends.
    private const int MaxDecimalText = 128;

    private static bool TryGetExactDecimal(JsonElement element, out decimal value)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(element);
            if (raw.Length <= MaxDecimalText
                && decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out value)
                && IsExactly(raw, value))
            {
                return true;
            }
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            Span<byte> ascii = stackalloc byte[MaxDecimalText];
            if (TryGetAsciiString(element, ascii, out int length)
                && decimal.TryParse(ascii[..length], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
                && IsExactly(ascii[..length], value))
            {
                return true;
            }
        }

        return Fail(out value);
    }

    private static bool IsIntegral(JsonElement number) => JsonMarshal.GetRawUtf8Value(number).IndexOfAny(".eE"u8) < 0;

    /// <summary>A JSON number without fraction or exponent, or a string of digits, of at most <see cref="MaxNumericDigits"/> digits.</summary>
    private static bool TryGetBigInteger(JsonElement element, out BigInteger value)
    {
        Span<char> digits = stackalloc char[MaxNumericDigits + 1];
        int length;
        if (element.ValueKind == JsonValueKind.Number)
        {
            ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8Value(element);
            if (raw.Length > digits.Length || raw.IndexOfAny("+.eE"u8) >= 0)
            {
                return Fail(out value);
            }

            for (int i = 0; i < raw.Length; i++)
            {
                digits[i] = (char)raw[i];
            }

            length = raw.Length;
        }
        else if (element.ValueKind != JsonValueKind.String || !TryGetAsciiString(element, MemoryMarshal.AsBytes(digits), out length))
        {
            return Fail(out value);
        }
        else
        {
            // Widen in place, back to front, so that the bytes are not overwritten before they are read.
            Span<byte> bytes = MemoryMarshal.AsBytes(digits);
            for (int i = length - 1; i >= 0; i--)
            {
                digits[i] = (char)bytes[i];
            }
        }

        int signLength = length > 0 && digits[0] is '-' or '+' ? 1 : 0;
        if (length - signLength > MaxNumericDigits)
        {
            return Fail(out value);
        }

        return BigInteger.TryParse(digits[..length], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryGetAsciiString(JsonElement element, Span<byte> destination, out int length)
    {
        length = 0;
        string text = element.GetString()!;
        if (text.Length > destination.Length)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (c >= 0x80)
            {
                return false;
            }

            destination[length++] = (byte)c;
        }

        return true;
    }

    /// <summary>
    /// True when the decimal equals the number written in <paramref name="text"/> exactly: both reduced to
    /// (significant digits, power of ten) and compared, so "0.10" and "1e-1" match 0.1 but 31-digit inputs do not.
    /// </summary>
    private static bool IsExactly(ReadOnlySpan<byte> text, decimal value)
    {
        int i = 0;
        bool negative = false;
        if (i < text.Length && text[i] is (byte)'-' or (byte)'+')
        {
            negative = text[i] == '-';
            i++;
        }

        // decimal holds at most 29 significant digits, so a longer mantissa cannot be exact.
        Span<byte> digits = stackalloc byte[30];
        int count = 0;
        int pendingZeros = 0;
        int fractionDigits = 0;
        bool inFraction = false;
        long exponent = 0;
        for (; i < text.Length; i++)
        {
            byte c = text[i];
            if (c == '.')
            {
                inFraction = true;
                continue;
            }

            if (c is (byte)'e' or (byte)'E')
            {
                if (!TryParseExponent(text[(i + 1)..], out exponent))
                {
                    return false;
                }

                break;
            }

            if (c is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            if (inFraction)
            {
                fractionDigits++;
            }

            if (c == '0')
            {
                pendingZeros += count > 0 ? 1 : 0;
                continue;
            }

            if (count + pendingZeros + 1 > digits.Length)
            {
                return false;
            }

            for (; pendingZeros > 0; pendingZeros--)
            {
                digits[count++] = (byte)'0';
            }

            digits[count++] = c;
        }

        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        UInt128 mantissa = ((UInt128)(uint)bits[2] << 64) | ((UInt128)(uint)bits[1] << 32) | (uint)bits[0];
        if (count == 0 || mantissa == 0)
        {
            return count == 0 && mantissa == 0;
        }

        if (negative != (bits[3] < 0))
        {
            return false;
        }

        long decimalExponent = -((bits[3] >> 16) & 0xFF);
        while (mantissa % 10 == 0)
        {
            mantissa /= 10;
            decimalExponent++;
        }

        Span<byte> formatted = stackalloc byte[40];
        return mantissa.TryFormat(formatted, out int written, default, CultureInfo.InvariantCulture)
            && formatted[..written].SequenceEqual(digits[..count])
            && decimalExponent == exponent - fractionDigits + pendingZeros;
    }

    private static bool TryParseExponent(ReadOnlySpan<byte> text, out long exponent)
    {
        exponent = 0;
        int i = 0;
        bool negative = false;
        if (i < text.Length && text[i] is (byte)'-' or (byte)'+')
        {
            negative = text[i] == '-';
            i++;
        }

        if (i == text.Length)
        {
            return false;
        }

        for (; i < text.Length; i++)
        {
            if (text[i] is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            // Saturate: anything this large is far outside decimal's range either way.
            exponent = Math.Min((exponent * 10) + (text[i] - '0'), 1_000_000);
        }

        exponent = negative ? -exponent : exponent;
        return true;
    }
}
