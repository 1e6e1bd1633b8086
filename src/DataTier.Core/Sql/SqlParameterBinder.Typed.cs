using System.Globalization;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace DataTier.Core.Sql;

// The typed form {"value": ..., "type": "..."} and the strict per-type parsers shared by scalars and arrays.
public static partial class SqlParameterBinder
{
    private delegate bool ElementParser<T>(JsonElement element, out T value);

    private static NpgsqlParameter CreateTyped(string name, JsonElement typed)
    {
        JsonElement value = default;
        JsonElement type = default;
        bool hasValue = false;
        bool hasType = false;
        foreach (JsonProperty property in typed.EnumerateObject())
        {
            if (property.NameEquals("value") && !hasValue)
            {
                (value, hasValue) = (property.Value, true);
            }
            else if (property.NameEquals("type") && !hasType)
            {
                (type, hasType) = (property.Value, true);
            }
            else
            {
                throw Bad(name, "is an object other than {\"value\": ..., \"type\": \"...\"}; to pass a JSON document use {\"value\": {...}, \"type\": \"jsonb\"}.");
            }
        }

        if (!hasType || type.ValueKind != JsonValueKind.String)
        {
            throw Bad(name, "needs \"type\" as a string, as in {\"value\": ..., \"type\": \"uuid\"}.");
        }

        if (!hasValue)
        {
            throw Bad(name, "needs \"value\" (use null for SQL NULL), as in {\"value\": ..., \"type\": \"uuid\"}.");
        }

        string typeName = type.GetString()!;
        if (!TryParseTypeName(typeName, out SqlValueType valueType, out bool isArray))
        {
            string shown = typeName.Length <= 32 ? typeName : string.Concat(typeName.AsSpan(0, 32), "...");
            throw Bad(name, $"has unknown type '{shown}'; known types are text, bool, smallint, int, bigint, numeric, real, double, uuid, timestamptz, timestamp, date, json, jsonb, bytea, each optionally with [].");
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return new NpgsqlParameter
            {
                Value = DBNull.Value,
                NpgsqlDbType = isArray ? NpgsqlDbType.Array | ToDbType(valueType) : ToDbType(valueType),
            };
        }

        return isArray ? TypedArray(name, value, valueType) : TypedScalar(name, value, valueType);
    }

    private static NpgsqlParameter TypedScalar(string name, JsonElement value, SqlValueType type) => type switch
    {
        SqlValueType.Text => Scalar<string>(name, value, type, TryGetText),
        SqlValueType.Boolean => Scalar<bool>(name, value, type, TryGetBoolean),
        SqlValueType.Smallint => Scalar<short>(name, value, type, TryGetInt16),
        SqlValueType.Integer => Scalar<int>(name, value, type, TryGetInt32),
        SqlValueType.Bigint => Scalar<long>(name, value, type, TryGetInt64),
        SqlValueType.Numeric => TypedNumeric(name, value),
        SqlValueType.Real => Scalar<float>(name, value, type, TryGetSingle),
        SqlValueType.Double => Scalar<double>(name, value, type, TryGetDouble),
        SqlValueType.Uuid => Scalar<Guid>(name, value, type, TryGetUuid),
        SqlValueType.Timestamptz => Scalar<DateTime>(name, value, type, TryGetTimestampTz),
        SqlValueType.Timestamp => Scalar<DateTime>(name, value, type, TryGetTimestamp),
        SqlValueType.Date => Scalar<DateOnly>(name, value, type, TryGetDate),
        SqlValueType.Json or SqlValueType.Jsonb => Scalar<string>(name, value, type, TryGetJson),
        SqlValueType.Bytea => Scalar<byte[]>(name, value, type, TryGetBase64),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static NpgsqlParameter TypedArray(string name, JsonElement value, SqlValueType type)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Bad(name, $"has type '{TypeName(type)}[]' but its value is a JSON {Describe(value.ValueKind)}, not an array.");
        }

        return type switch
        {
            SqlValueType.Text => ReferenceArray<string>(name, value, type, TryGetText),
            SqlValueType.Boolean => ValueArray<bool>(name, value, type, TryGetBoolean),
            SqlValueType.Smallint => ValueArray<short>(name, value, type, TryGetInt16),
            SqlValueType.Integer => ValueArray<int>(name, value, type, TryGetInt32),
            SqlValueType.Bigint => ValueArray<long>(name, value, type, TryGetInt64),
            SqlValueType.Numeric => ValueArray<decimal>(name, value, type, TryGetExactDecimal),
            SqlValueType.Real => ValueArray<float>(name, value, type, TryGetSingle),
            SqlValueType.Double => ValueArray<double>(name, value, type, TryGetDouble),
            SqlValueType.Uuid => ValueArray<Guid>(name, value, type, TryGetUuid),
            SqlValueType.Timestamptz => ValueArray<DateTime>(name, value, type, TryGetTimestampTz),
            SqlValueType.Timestamp => ValueArray<DateTime>(name, value, type, TryGetTimestamp),
            SqlValueType.Date => ValueArray<DateOnly>(name, value, type, TryGetDate),
            SqlValueType.Json or SqlValueType.Jsonb => ReferenceArray<string>(name, value, type, TryGetJson),
            SqlValueType.Bytea => ReferenceArray<byte[]>(name, value, type, TryGetBase64),
            _ => throw new ArgumentOutOfRangeException(nameof(type)),
        };
    }

    private static NpgsqlParameter Scalar<T>(string name, JsonElement value, SqlValueType type, ElementParser<T> parse) =>
        parse(value, out T parsed)
            ? Typed(parsed, ToDbType(type))
            : throw Bad(name, $"is not {Expectation(type)} (type '{TypeName(type)}').");

    private static NpgsqlParameter TypedNumeric(string name, JsonElement value)
    {
        if (TryGetExactDecimal(value, out decimal exact))
        {
            return Typed(exact, NpgsqlDbType.Numeric);
        }

        return TryGetBigInteger(value, out System.Numerics.BigInteger big)
            ? Typed(big, NpgsqlDbType.Numeric)
            : throw Bad(name, $"is not {Expectation(SqlValueType.Numeric)} (type 'numeric').");
    }

    private static NpgsqlParameter ValueArray<T>(string name, JsonElement array, SqlValueType type, ElementParser<T> parse)
        where T : struct
    {
        int length = array.GetArrayLength();
        bool hasNull = false;
        foreach (JsonElement element in array.EnumerateArray())
        {
            if (element.ValueKind == JsonValueKind.Null)
            {
                hasNull = true;
                break;
            }
        }

        NpgsqlDbType dbType = NpgsqlDbType.Array | ToDbType(type);
        int index = 0;
        if (!hasNull)
        {
            var values = new T[length];
            foreach (JsonElement element in array.EnumerateArray())
            {
                if (!parse(element, out values[index]))
                {
                    throw BadElement(name, type, index);
                }

                index++;
            }

            return Typed(values, dbType);
        }

        // Arrays with NULL elements go as T?[], which Npgsql writes with NULL entries.
        var nullable = new T?[length];
        foreach (JsonElement element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Null)
            {
                if (!parse(element, out T parsed))
                {
                    throw BadElement(name, type, index);
                }

                nullable[index] = parsed;
            }

            index++;
        }

        return Typed(nullable, dbType);
    }

    private static NpgsqlParameter ReferenceArray<T>(string name, JsonElement array, SqlValueType type, ElementParser<T> parse)
        where T : class
    {
        var values = new T?[array.GetArrayLength()];
        int index = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Null)
            {
                if (!parse(element, out T parsed))
                {
                    throw BadElement(name, type, index);
                }

                values[index] = parsed;
            }

            index++;
        }

        return Typed(values, NpgsqlDbType.Array | ToDbType(type));
    }

    private static SqlRejectedException BadElement(string name, SqlValueType type, int index) =>
        Bad(name, $"has element {index} that is not {Expectation(type)} (type '{TypeName(type)}[]').");

    private static bool TryParseTypeName(string typeName, out SqlValueType type, out bool isArray)
    {
        ReadOnlySpan<char> name = typeName.AsSpan().Trim();
        isArray = name.EndsWith("[]", StringComparison.Ordinal);
        if (isArray)
        {
            name = name[..^2].TrimEnd();
        }

        SqlValueType? found = name.ToString().ToLowerInvariant() switch
        {
            "text" => SqlValueType.Text,
            "bool" or "boolean" => SqlValueType.Boolean,
            "smallint" or "int2" => SqlValueType.Smallint,
            "int" or "integer" or "int4" => SqlValueType.Integer,
            "bigint" or "int8" => SqlValueType.Bigint,
            "numeric" or "decimal" => SqlValueType.Numeric,
            "real" or "float4" => SqlValueType.Real,
            "double" or "double precision" or "float8" => SqlValueType.Double,
            "uuid" => SqlValueType.Uuid,
            "timestamptz" or "timestamp with time zone" => SqlValueType.Timestamptz,
            "timestamp" or "timestamp without time zone" => SqlValueType.Timestamp,
            "date" => SqlValueType.Date,
            "json" => SqlValueType.Json,
            "jsonb" => SqlValueType.Jsonb,
            "bytea" => SqlValueType.Bytea,
            _ => null,
        };
        type = found.GetValueOrDefault();
        return found.HasValue;
    }

    private static NpgsqlDbType ToDbType(SqlValueType type) => type switch
    {
        SqlValueType.Text => NpgsqlDbType.Text,
        SqlValueType.Boolean => NpgsqlDbType.Boolean,
        SqlValueType.Smallint => NpgsqlDbType.Smallint,
        SqlValueType.Integer => NpgsqlDbType.Integer,
        SqlValueType.Bigint => NpgsqlDbType.Bigint,
        SqlValueType.Numeric => NpgsqlDbType.Numeric,
        SqlValueType.Real => NpgsqlDbType.Real,
        SqlValueType.Double => NpgsqlDbType.Double,
        SqlValueType.Uuid => NpgsqlDbType.Uuid,
        SqlValueType.Timestamptz => NpgsqlDbType.TimestampTz,
        SqlValueType.Timestamp => NpgsqlDbType.Timestamp,
        SqlValueType.Date => NpgsqlDbType.Date,
        SqlValueType.Json => NpgsqlDbType.Json,
        SqlValueType.Jsonb => NpgsqlDbType.Jsonb,
        SqlValueType.Bytea => NpgsqlDbType.Bytea,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static string TypeName(SqlValueType type) => type switch
    {
        SqlValueType.Boolean => "bool",
        SqlValueType.Integer => "int",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static string Expectation(SqlValueType type) => type switch
    {
        SqlValueType.Text => "a JSON string",
        SqlValueType.Boolean => "true or false",
        SqlValueType.Smallint => "an integer from -32768 to 32767 (a JSON number or a string of digits)",
        SqlValueType.Integer => "an integer from -2147483648 to 2147483647 (a JSON number or a string of digits)",
        SqlValueType.Bigint => "a 64-bit integer (a JSON number, or a string of digits to keep precision beyond 2^53)",
        SqlValueType.Numeric => $"an exact number (a JSON number or a numeric string) with at most 28 significant digits, or an integer of at most {MaxNumericDigits} digits",
        SqlValueType.Real or SqlValueType.Double => "a finite JSON number, or the string \"NaN\", \"Infinity\" or \"-Infinity\"",
        SqlValueType.Uuid => "a UUID string such as \"0f8fad5b-d9cb-469f-a165-70867728950e\"",
        SqlValueType.Timestamptz => "an ISO 8601 date-time string with an offset, such as \"2024-05-01T12:00:00Z\"",
        SqlValueType.Timestamp => "an ISO 8601 date-time string without an offset, such as \"2024-05-01T12:00:00\"",
        SqlValueType.Date => "a date string such as \"2024-05-01\"",
        SqlValueType.Json or SqlValueType.Jsonb => "a JSON value",
        SqlValueType.Bytea => "a base64 string",
        _ => type.ToString(),
    };

    private static bool TryGetText(JsonElement element, out string value)
    {
        value = element.ValueKind == JsonValueKind.String ? element.GetString()! : null!;
        return value is not null;
    }

    private static bool TryGetBoolean(JsonElement element, out bool value)
    {
        value = element.ValueKind == JsonValueKind.True;
        return element.ValueKind is JsonValueKind.True or JsonValueKind.False;
    }

    private static bool TryGetInt16(JsonElement element, out short value) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetInt16(out value),
        JsonValueKind.String => short.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value),
        _ => Fail(out value),
    };

    private static bool TryGetInt32(JsonElement element, out int value) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetInt32(out value),
        JsonValueKind.String => int.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value),
        _ => Fail(out value),
    };

    private static bool TryGetInt64(JsonElement element, out long value) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetInt64(out value),
        JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value),
        _ => Fail(out value),
    };

    private static bool TryGetSingle(JsonElement element, out float value)
    {
        if (element.ValueKind == JsonValueKind.Number)
        {
            return element.TryGetSingle(out value) && float.IsFinite(value);
        }

        bool special = TryGetDouble(element, out double wide) && !double.IsFinite(wide);
        value = (float)wide;
        return special;
    }

    private static bool TryGetDouble(JsonElement element, out double value) => element.ValueKind switch
    {
        JsonValueKind.Number => element.TryGetDouble(out value) && double.IsFinite(value),
        JsonValueKind.String => TryGetSpecialFloat(element, out value),
        _ => Fail(out value),
    };

    /// <summary>PostgreSQL's spellings of the non-finite floats, which JSON numbers cannot express.</summary>
    private static bool TryGetSpecialFloat(JsonElement element, out double value)
    {
        if (element.ValueEquals("NaN"))
        {
            value = double.NaN;
        }
        else if (element.ValueEquals("Infinity"))
        {
            value = double.PositiveInfinity;
        }
        else if (element.ValueEquals("-Infinity"))
        {
            value = double.NegativeInfinity;
        }
        else
        {
            return Fail(out value);
        }

        return true;
    }

    private static bool TryGetUuid(JsonElement element, out Guid value)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            return Fail(out value);
        }

        string text = element.GetString()!;
        return Guid.TryParseExact(text, "D", out value) || Guid.TryParseExact(text, "N", out value) || Guid.TryParseExact(text, "B", out value);
    }

    /// <summary>An instant: the string must carry an offset ('Z' or ±hh:mm); Npgsql wants it as a UTC DateTime.</summary>
    private static bool TryGetTimestampTz(JsonElement element, out DateTime value)
    {
        if (element.ValueKind == JsonValueKind.String
            && element.TryGetDateTime(out DateTime local) && local.Kind != DateTimeKind.Unspecified
            && element.TryGetDateTimeOffset(out DateTimeOffset instant))
        {
            value = instant.UtcDateTime;
            return true;
        }

        return Fail(out value);
    }

    /// <summary>A wall-clock time: an offset would be silently dropped by timestamp without time zone, so it is refused.</summary>
    private static bool TryGetTimestamp(JsonElement element, out DateTime value)
    {
        if (element.ValueKind == JsonValueKind.String && element.TryGetDateTime(out value) && value.Kind == DateTimeKind.Unspecified)
        {
            return true;
        }

        return Fail(out value);
    }

    private static bool TryGetDate(JsonElement element, out DateOnly value) =>
        element.ValueKind == JsonValueKind.String
            ? DateOnly.TryParseExact(element.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out value)
            : Fail(out value);

    private static bool TryGetJson(JsonElement element, out string value)
    {
        value = element.GetRawText();
        return true;
    }

    /// <summary>Strict base64: no whitespace, padded to a multiple of 4.</summary>
    private static bool TryGetBase64(JsonElement element, out byte[] value)
    {
        value = null!;
        if (element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        string text = element.GetString()!;
        if (text.Length % 4 != 0)
        {
            return false;
        }

        int padding = text.EndsWith("==", StringComparison.Ordinal) ? 2 : text.EndsWith('=') ? 1 : 0;
        byte[] bytes = new byte[(text.Length / 4 * 3) - padding];
        if (!Convert.TryFromBase64String(text, bytes, out int written) || written != bytes.Length)
        {
            return false;
        }

        value = bytes;
        return true;
    }

    private static bool Fail<T>(out T value)
    {
        value = default!;
        return false;
    }
}
