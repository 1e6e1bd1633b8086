using System.Collections;
using System.Globalization;
using DataTier.Core.Execution;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Compares, groups and adds the values shards return, the way PostgreSQL does for the types DataTier merges: integers,
/// numeric (exactly), floats (NaN above every number, -0 equal to 0), text in the C collation (code point order, which
/// is what the shards' <c>datcollate = C</c> sorts by), booleans, dates, timestamps and uuids (by their 16 bytes).
/// Ordering any other type is refused rather than guessed.
/// </summary>
internal static class CrossShardValues
{
    public static object? Unwrap(object? value) => value is ICrossShardDatum datum ? datum.Value : value;

    /// <summary>Orders two non-null values of one column (or a value and a HAVING constant).</summary>
    public static int Compare(object a, object b)
    {
        a = Unwrap(a)!;
        b = Unwrap(b)!;
        switch (a, b)
        {
            case (long x, long y):
                return x.CompareTo(y);
            case (string x, string y):
                return CompareText(x, y);
            case (bool x, bool y):
                return x.CompareTo(y);
            case (DateTime x, DateTime y):
                return x.Ticks.CompareTo(y.Ticks);
            case (DateTimeOffset x, DateTimeOffset y):
                return x.UtcTicks.CompareTo(y.UtcTicks);
            case (DateOnly x, DateOnly y):
                return x.DayNumber.CompareTo(y.DayNumber);
            case (TimeOnly x, TimeOnly y):
                return x.Ticks.CompareTo(y.Ticks);
            case (Guid x, Guid y):
                return CompareUuid(x, y);
            case (byte[] x, byte[] y):
                return x.AsSpan().SequenceCompareTo(y);
        }

        if (IsInteger(a) && IsInteger(b))
        {
            return Convert.ToInt64(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToInt64(b, CultureInfo.InvariantCulture));
        }

        if (a is double or float || b is double or float)
        {
            if (IsNumber(a) && IsNumber(b))
            {
                return CompareFloat(ToDouble(a), ToDouble(b));
            }
        }
        else if (IsNumber(a) && IsNumber(b))
        {
            return ToNumeric(a).CompareTo(ToNumeric(b));
        }

        throw CrossShardRefusal.Create(
            $"comparing values of type {TypeName(a)}{(a.GetType() == b.GetType() ? "" : " with " + TypeName(b))}",
            "DataTier orders and compares numbers, text, booleans, dates, timestamps and uuids exactly as PostgreSQL does, and no other type");
    }

    /// <summary>Orders with NULLs: the sort key's direction and NULLS FIRST/LAST decide.</summary>
    public static int Compare(object? a, object? b, bool descending, bool nullsFirst)
    {
        a = Unwrap(a);
        b = Unwrap(b);
        if (a is null || b is null)
        {
            if (a is null && b is null)
            {
                return 0;
            }

            // NULLS FIRST/LAST holds whatever the direction.
            return (a is null) == nullsFirst ? -1 : 1;
        }

        int c = Compare(a, b);
        return descending ? -c : c;
    }

    /// <summary>Whether two values are one group (or one DISTINCT row): NULLs are equal here, as in GROUP BY.</summary>
    public static new bool Equals(object? a, object? b)
    {
        a = Unwrap(a);
        b = Unwrap(b);
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (IsOrdered(a) && IsOrdered(b))
        {
            return Compare(a, b) == 0;
        }

        return a switch
        {
            RawJson x => b is RawJson y && x.Json == y.Json,
            byte[] x => b is byte[] y && x.AsSpan().SequenceEqual(y),
            IStructuralEquatable x => x.Equals(b, StructuralComparisons.StructuralEqualityComparer),
            _ => a.Equals(b),
        };
    }

    /// <summary>A hash consistent with <see cref="Equals(object?, object?)"/> within one column.</summary>
    public static int GetHashCode(object? value)
    {
        value = Unwrap(value);
        return value switch
        {
            null => 0,
            long or int or short or byte => Convert.ToInt64(value, CultureInfo.InvariantCulture).GetHashCode(),
            decimal d => PgNumeric.FromDecimal(d).GetHashCode(),
            PgNumeric n => n.GetHashCode(),
            double d => d == 0 ? 0 : d.GetHashCode(),
            float f => f == 0 ? 0 : ((double)f).GetHashCode(),
            string s => string.GetHashCode(s, StringComparison.Ordinal),
            RawJson j => string.GetHashCode(j.Json, StringComparison.Ordinal),
            byte[] bytes => HashBytes(bytes),
            IStructuralEquatable s => s.GetHashCode(StructuralComparisons.StructuralEqualityComparer),
            _ => value.GetHashCode(),
        };
    }

    public static bool IsInteger(object value) => value is long or int or short or byte;

    public static bool IsNumber(object value) => IsInteger(value) || value is decimal or PgNumeric or double or float;

    public static PgNumeric ToNumeric(object value) => value switch
    {
        PgNumeric n => n,
        decimal d => PgNumeric.FromDecimal(d),
        _ => PgNumeric.FromInt64(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
    };

    public static string TypeName(object value) => value switch
    {
        ICrossShardDatum d => d.Value is null ? "unknown" : TypeName(d.Value),
        ICrossShardTypeName named => named.TypeName,
        RawJson => "json",
        TimeSpan => "interval",
        Array => "array",
        _ => value.GetType().Name,
    };

    // C collation: strings compare by their UTF-8 bytes, that is by code point. UTF-16 ordinal order differs only where
    // a surrogate pair (above U+FFFF) meets a character in U+E000..U+FFFF, so those are compared by code point.
    private static int CompareText(string x, string y)
    {
        int length = Math.Min(x.Length, y.Length);
        for (int i = 0; i < length; i++)
        {
            char a = x[i];
            char b = y[i];
            if (a != b)
            {
                bool aSurrogate = char.IsSurrogate(a);
                bool bSurrogate = char.IsSurrogate(b);
                if (aSurrogate != bSurrogate && (aSurrogate ? b >= '\uE000' : a >= '\uE000'))
                {
                    return aSurrogate ? 1 : -1;
                }

                return a.CompareTo(b);
            }
        }

        return x.Length.CompareTo(y.Length);
    }

    // PostgreSQL's float order: NaN equals NaN and sorts above every other value; -0 equals 0.
    private static int CompareFloat(double x, double y)
    {
        if (double.IsNaN(x) || double.IsNaN(y))
        {
            return double.IsNaN(x) ? (double.IsNaN(y) ? 0 : 1) : -1;
        }

        return x < y ? -1 : x > y ? 1 : 0;
    }

    private static double ToDouble(object value) => value switch
    {
        double d => d,
        float f => f,
        PgNumeric n => double.Parse(n.ToString(), CultureInfo.InvariantCulture),
        _ => Convert.ToDouble(value, CultureInfo.InvariantCulture),
    };

    // PostgreSQL orders uuids by their 16 bytes in network order; Guid.CompareTo does not.
    public static int CompareUuid(Guid a, Guid b)
    {
        Span<byte> x = stackalloc byte[16];
        Span<byte> y = stackalloc byte[16];
        a.TryWriteBytes(x, bigEndian: true, out _);
        b.TryWriteBytes(y, bigEndian: true, out _);
        return x.SequenceCompareTo(y);
    }

    private static bool IsOrdered(object value) =>
        IsNumber(value) || value is string or bool or DateTime or DateTimeOffset or DateOnly or TimeOnly or Guid;

    private static int HashBytes(byte[] bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
