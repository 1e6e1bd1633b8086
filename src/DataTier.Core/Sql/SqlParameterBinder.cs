using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace DataTier.Core.Sql;

/// <summary>
/// Turns the JSON <c>params</c> of a request into Npgsql parameters for a <see cref="ParsedSql"/>.
/// </summary>
/// <remarks>
/// <para>
/// Untyped values: string → text; integral number → bigint (numeric when it does not fit); other number → numeric when
/// decimal holds it exactly, else double precision; true/false → boolean; null → NULL of unknown type (PostgreSQL infers
/// it); an array of strings, booleans or numbers → text[], boolean[], bigint[]/numeric[]/double precision[] (nulls allowed,
/// mixed kinds refused, an empty array needs a type).
/// </para>
/// <para>
/// Typed values: <c>{"value": ..., "type": "uuid"}</c>, with types text, bool, smallint, int, bigint, numeric, real, double,
/// uuid, timestamptz, timestamp, date, json, jsonb, bytea (base64), each also as an array (<c>"uuid[]"</c>), parsed strictly.
/// For json/jsonb the value is the JSON itself; a null value is SQL NULL of that type.
/// </para>
/// <para>
/// Error messages name the parameter and the type but never echo the value.
/// </para>
/// </remarks>
public static partial class SqlParameterBinder
{
    private const int MaxNameShown = 64;
    private const int MaxNamesListed = 10;

    /// <summary>
    /// Binds <paramref name="parameters"/> (a JSON object, or null/undefined for none) to the statement's parameters.
    /// The result is in <see cref="ParsedSql.ParameterNames"/> order and unnamed, ready for <see cref="ParsedSql.PositionalSql"/>.
    /// </summary>
    /// <exception cref="SqlRejectedException">missing_parameter, unknown_parameter or bad_parameter.</exception>
    public static NpgsqlParameter[] Bind(ParsedSql statement, JsonElement parameters)
    {
        ArgumentNullException.ThrowIfNull(statement);
        NpgsqlParameter[] result = statement.ParameterNames.Length == 0 ? [] : new NpgsqlParameter[statement.ParameterNames.Length];
        if (parameters.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in parameters.EnumerateObject())
            {
                string name = property.Name;
                int ordinal = statement.IndexOfParameter(name);
                if (ordinal < 0)
                {
                    throw UnknownParameter(statement, name);
                }

                if (result[ordinal] is not null)
                {
                    throw Bad(name, "is given more than once in 'params'.");
                }

                result[ordinal] = CreateParameter(name, property.Value);
            }
        }
        else if (parameters.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            throw new SqlRejectedException(
                SqlRejectionCodes.BadParameter,
                $"'params' must be a JSON object mapping parameter names to values, not a JSON {Describe(parameters.ValueKind)}.");
        }

        for (int i = 0; i < result.Length; i++)
        {
            if (result[i] is null)
            {
                throw MissingParameter(statement, result, i, parameters);
            }
        }

        return result;
    }

    /// <summary>Converts one JSON value (untyped, or the typed <c>{"value", "type"}</c> form) into an unnamed parameter.</summary>
    /// <param name="name">The parameter's name, used in error messages only.</param>
    /// <param name="value">The JSON value.</param>
    /// <exception cref="SqlRejectedException">bad_parameter.</exception>
    public static NpgsqlParameter CreateParameter(string name, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(name);
        return value.ValueKind switch
        {
            JsonValueKind.String => Typed(value.GetString()!, NpgsqlDbType.Text),
            JsonValueKind.True => Typed(true, NpgsqlDbType.Boolean),
            JsonValueKind.False => Typed(false, NpgsqlDbType.Boolean),
            JsonValueKind.Null => new NpgsqlParameter { Value = DBNull.Value },
            JsonValueKind.Number => InferNumber(name, value),
            JsonValueKind.Array => InferArray(name, value),
            JsonValueKind.Object => CreateTyped(name, value),
            _ => throw Bad(name, "has no value."),
        };
    }

    private static NpgsqlParameter<T> Typed<T>(T value, NpgsqlDbType type) => new() { TypedValue = value, NpgsqlDbType = type };

    private static NpgsqlParameter InferNumber(string name, JsonElement value)
    {
        if (value.TryGetInt64(out long int64))
        {
            return Typed(int64, NpgsqlDbType.Bigint);
        }

        if (TryGetExactDecimal(value, out decimal exact))
        {
            return Typed(exact, NpgsqlDbType.Numeric);
        }

        if (IsIntegral(value))
        {
            return TryGetBigInteger(value, out System.Numerics.BigInteger big)
                ? Typed(big, NpgsqlDbType.Numeric)
                : throw Bad(name, $"is an integer with more than {MaxNumericDigits} digits.");
        }

        return value.TryGetDouble(out double approximate) && double.IsFinite(approximate)
            ? Typed(approximate, NpgsqlDbType.Double)
            : throw Bad(name, "is a number out of the range of double precision.");
    }

    private static NpgsqlParameter InferArray(string name, JsonElement array)
    {
        JsonValueKind kind = JsonValueKind.Undefined;
        bool allInt64 = true;
        bool allDecimal = true;
        bool allDouble = true;
        int index = 0;
        foreach (JsonElement element in array.EnumerateArray())
        {
            JsonValueKind elementKind = element.ValueKind == JsonValueKind.False ? JsonValueKind.True : element.ValueKind;
            switch (elementKind)
            {
                case JsonValueKind.Null:
                    break;
                case JsonValueKind.Object or JsonValueKind.Array:
                    throw Bad(name, $"is an array whose element {index} is a JSON {Describe(elementKind)}; pass nested JSON as {{\"value\": ..., \"type\": \"jsonb\"}}.");
                case var _ when kind != JsonValueKind.Undefined && kind != elementKind:
                    throw Bad(name, $"is an array mixing JSON {Describe(kind)}s and {Describe(elementKind)}s (element {index}); array elements must share one type.");
                default:
                    kind = elementKind;
                    if (kind == JsonValueKind.Number)
                    {
                        if (!element.TryGetInt64(out _))
                        {
                            allInt64 = false;
                            allDecimal = allDecimal && TryGetExactDecimal(element, out _);
                            allDouble = allDouble && element.TryGetDouble(out double d) && double.IsFinite(d);
                        }
                    }

                    break;
            }

            index++;
        }

        return kind switch
        {
            JsonValueKind.String => ReferenceArray<string>(name, array, SqlValueType.Text, TryGetText),
            JsonValueKind.True => ValueArray<bool>(name, array, SqlValueType.Boolean, TryGetBoolean),
            JsonValueKind.Number when allInt64 => ValueArray<long>(name, array, SqlValueType.Bigint, TryGetInt64),
            JsonValueKind.Number when allDecimal => ValueArray<decimal>(name, array, SqlValueType.Numeric, TryGetExactDecimal),
            JsonValueKind.Number when allDouble => ValueArray<double>(name, array, SqlValueType.Double, TryGetDouble),
            JsonValueKind.Number => throw Bad(name, "is an array with a number out of the range of double precision."),
            _ => throw Bad(name, "is an empty array or holds only nulls, so its type is unknown; give it as {\"value\": [...], \"type\": \"bigint[]\"} (or \"text[]\", \"uuid[]\", ...)."),
        };
    }

    private static SqlRejectedException UnknownParameter(ParsedSql statement, string name)
    {
        string used = statement.ParameterNames.Length == 0
            ? "it has no parameters"
            : "its parameters are " + ListNames(statement.ParameterNames.AsSpan());
        return new SqlRejectedException(
            SqlRejectionCodes.UnknownParameter,
            $"'params' has '{Shown(name)}', which the statement does not use ({used}; names are case-sensitive).",
            parameterName: Shown(name));
    }

    private static SqlRejectedException MissingParameter(ParsedSql statement, NpgsqlParameter[] bound, int first, JsonElement parameters)
    {
        string name = statement.ParameterNames[first];
        var message = new StringBuilder($"Parameter '@{name}' is used by the statement but missing from 'params'");
        if (parameters.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in parameters.EnumerateObject())
            {
                if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    message.Append(" ('params' has '").Append(Shown(property.Name)).Append("': names are case-sensitive)");
                    break;
                }
            }
        }

        int others = 0;
        for (int i = first + 1; i < bound.Length; i++)
        {
            others += bound[i] is null ? 1 : 0;
        }

        if (others > 0)
        {
            message.Append(" (and ").Append(others).Append(" more)");
        }

        return new SqlRejectedException(SqlRejectionCodes.MissingParameter, message.Append('.').ToString(), parameterName: name);
    }

    private static string ListNames(ReadOnlySpan<string> names)
    {
        var builder = new StringBuilder();
        for (int i = 0; i < names.Length && i < MaxNamesListed; i++)
        {
            builder.Append(i == 0 ? "@" : ", @").Append(names[i]);
        }

        if (names.Length > MaxNamesListed)
        {
            builder.Append(", ...");
        }

        return builder.ToString();
    }

    private static string Shown(string name) => name.Length <= MaxNameShown ? name : string.Concat(name.AsSpan(0, MaxNameShown), "...");

    private static SqlRejectedException Bad(string name, string problem) =>
        new(SqlRejectionCodes.BadParameter, $"Parameter '{Shown(name)}' {problem}", parameterName: Shown(name));

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
