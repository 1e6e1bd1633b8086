using System.Numerics;
using System.Text.Json;
using DataTier.Core.Sql;
using Npgsql;
using NpgsqlTypes;

namespace DataTier.Core.Tests.Sql;

public sealed class SqlParameterBinderTests
{
    private static JsonElement Json(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static NpgsqlParameter Create(string json) => SqlParameterBinder.CreateParameter("p", Json(json));

    private static T Value<T>(NpgsqlParameter parameter, NpgsqlDbType type)
    {
        var typed = Assert.IsType<NpgsqlParameter<T>>(parameter);
        Assert.Equal(type, typed.NpgsqlDbType);
        return typed.TypedValue!;
    }

    private static void AssertElements(string?[] expected, string?[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }

    private static SqlRejectedException Bad(string json)
    {
        var error = Assert.Throws<SqlRejectedException>(() => Create(json));
        Assert.Equal(SqlRejectionCodes.BadParameter, error.Code);
        Assert.Equal("p", error.ParameterName);
        Assert.Contains("'p'", error.Message);
        return error;
    }

    [Fact]
    public void Bind_returns_unnamed_parameters_in_positional_order()
    {
        ParsedSql parsed = SqlParser.Parse("select * from tasks where team_id = @team and status = @s");
        NpgsqlParameter[] bound = SqlParameterBinder.Bind(parsed, Json("""{"s": "open", "team": "team-42"}"""));
        Assert.Equal(2, bound.Length);
        Assert.Equal("team-42", Value<string>(bound[0], NpgsqlDbType.Text));
        Assert.Equal("open", Value<string>(bound[1], NpgsqlDbType.Text));
        Assert.All(bound, p => Assert.Equal(string.Empty, p.ParameterName));
    }

    [Theory]
    [InlineData("null")]
    [InlineData("{}")]
    public void Bind_without_parameters_accepts_absent_or_empty_params(string json)
    {
        Assert.Empty(SqlParameterBinder.Bind(SqlParser.Parse("select 1"), Json(json)));
        Assert.Empty(SqlParameterBinder.Bind(SqlParser.Parse("select 1"), default));
    }

    [Fact]
    public void Bind_refuses_a_parameter_missing_from_params_naming_it()
    {
        ParsedSql parsed = SqlParser.Parse("select @a, @b, @c");
        var error = Assert.Throws<SqlRejectedException>(() => SqlParameterBinder.Bind(parsed, Json("""{"a": 1}""")));
        Assert.Equal(SqlRejectionCodes.MissingParameter, error.Code);
        Assert.Equal("b", error.ParameterName);
        Assert.Contains("@b", error.Message);
        Assert.Contains("1 more", error.Message);
    }

    [Fact]
    public void Bind_missing_parameter_message_points_out_a_case_mismatch()
    {
        ParsedSql parsed = SqlParser.Parse("select @team");
        var error = Assert.Throws<SqlRejectedException>(() => SqlParameterBinder.Bind(parsed, Json("""{"Team": 1}""")));

        // Unknown is found first, while reading params; its message lists the statement's names.
        Assert.Equal(SqlRejectionCodes.UnknownParameter, error.Code);
        Assert.Contains("@team", error.Message);
        Assert.Contains("case-sensitive", error.Message);

        var missing = Assert.Throws<SqlRejectedException>(() => SqlParameterBinder.Bind(SqlParser.Parse("select @team"), Json("null")));
        Assert.Equal(SqlRejectionCodes.MissingParameter, missing.Code);
    }

    [Fact]
    public void Bind_refuses_params_the_statement_does_not_use()
    {
        ParsedSql parsed = SqlParser.Parse("select @a");
        var error = Assert.Throws<SqlRejectedException>(() => SqlParameterBinder.Bind(parsed, Json("""{"a": 1, "extra": 2}""")));
        Assert.Equal(SqlRejectionCodes.UnknownParameter, error.Code);
        Assert.Equal("extra", error.ParameterName);
        Assert.Contains("'extra'", error.Message);
    }

    [Fact]
    public void Bind_truncates_a_long_unknown_name_in_the_message()
    {
        string name = new('n', 5000);
        var error = Assert.Throws<SqlRejectedException>(
            () => SqlParameterBinder.Bind(SqlParser.Parse("select 1"), Json($$"""{"{{name}}": 1}""")));
        Assert.Equal(SqlRejectionCodes.UnknownParameter, error.Code);
        Assert.True(error.Message.Length < 400, error.Message);
    }

    [Fact]
    public void Bind_refuses_a_parameter_given_twice()
    {
        ParsedSql parsed = SqlParser.Parse("select @a");
        var error = Assert.Throws<SqlRejectedException>(() => SqlParameterBinder.Bind(parsed, Json("""{"a": 1, "a": 2}""")));
        Assert.Equal(SqlRejectionCodes.BadParameter, error.Code);
        Assert.Equal("a", error.ParameterName);
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("\"a\"")]
    [InlineData("1")]
    public void Bind_refuses_params_that_are_not_an_object(string json)
    {
        var error = Assert.Throws<SqlRejectedException>(() => SqlParameterBinder.Bind(SqlParser.Parse("select @a"), Json(json)));
        Assert.Equal(SqlRejectionCodes.BadParameter, error.Code);
    }

    [Fact]
    public void String_is_text()
    {
        Assert.Equal("héllo 🎉", Value<string>(Create("\"héllo 🎉\""), NpgsqlDbType.Text));
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Integral_number_that_fits_is_bigint(string json, long expected)
    {
        Assert.Equal(expected, Value<long>(Create(json), NpgsqlDbType.Bigint));
    }

    [Fact]
    public void Integral_number_beyond_bigint_is_numeric()
    {
        Assert.Equal(9223372036854775808m, Value<decimal>(Create("9223372036854775808"), NpgsqlDbType.Numeric));
        Assert.Equal(BigInteger.Pow(10, 40), Value<BigInteger>(Create("1" + new string('0', 40)), NpgsqlDbType.Numeric));
    }

    [Fact]
    public void Integer_with_too_many_digits_is_refused()
    {
        Bad(new string('9', 1001));
    }

    [Theory]
    [InlineData("1.5", "1.5")]
    [InlineData("0.1", "0.1")]
    [InlineData("-0.10", "-0.10")]
    [InlineData("1e-28", "0.0000000000000000000000000001")]
    [InlineData("1.0", "1.0")]
    [InlineData("2.5E3", "2500")]
    [InlineData("79228162514264337593543950335", "79228162514264337593543950335")]
    public void Non_integral_number_held_exactly_by_decimal_is_numeric(string json, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Value<decimal>(Create(json), NpgsqlDbType.Numeric));
    }

    [Theory]
    [InlineData("1e-40", 1e-40)]
    [InlineData("0.1234567890123456789012345678901", 0.1234567890123456789012345678901)]
    [InlineData("1.5e300", 1.5e300)]
    public void Non_integral_number_decimal_would_round_is_double(string json, double expected)
    {
        Assert.Equal(expected, Value<double>(Create(json), NpgsqlDbType.Double));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void Boolean_is_boolean(string json, bool expected)
    {
        Assert.Equal(expected, Value<bool>(Create(json), NpgsqlDbType.Boolean));
    }

    [Fact]
    public void Null_is_untyped_db_null()
    {
        NpgsqlParameter parameter = Create("null");
        Assert.IsType<NpgsqlParameter>(parameter);
        Assert.Equal(DBNull.Value, parameter.Value);
    }

    [Fact]
    public void Array_of_strings_is_text_array()
    {
        AssertElements(["a", "b"], Value<string?[]>(Create("""["a", "b"]"""), NpgsqlDbType.Array | NpgsqlDbType.Text));
        AssertElements(["a", null], Value<string?[]>(Create("""["a", null]"""), NpgsqlDbType.Array | NpgsqlDbType.Text));
    }

    [Fact]
    public void Array_of_integers_is_bigint_array_with_nulls_kept()
    {
        Assert.Equal([1L, 2L], Value<long[]>(Create("[1, 2]"), NpgsqlDbType.Array | NpgsqlDbType.Bigint));
        Assert.Equal([1L, null], Value<long?[]>(Create("[1, null]"), NpgsqlDbType.Array | NpgsqlDbType.Bigint));
    }

    [Fact]
    public void Array_of_mixed_numbers_is_numeric_or_double_array()
    {
        Assert.Equal([1m, 2.5m], Value<decimal[]>(Create("[1, 2.5]"), NpgsqlDbType.Array | NpgsqlDbType.Numeric));
        Assert.Equal([1d, 1e-40], Value<double[]>(Create("[1, 1e-40]"), NpgsqlDbType.Array | NpgsqlDbType.Double));
    }

    [Fact]
    public void Array_of_booleans_is_boolean_array()
    {
        Assert.Equal([true, false], Value<bool[]>(Create("[true, false]"), NpgsqlDbType.Array | NpgsqlDbType.Boolean));
    }

    [Theory]
    [InlineData("""["a", 1]""")]
    [InlineData("[true, 1]")]
    [InlineData("[]")]
    [InlineData("[null, null]")]
    [InlineData("[[1], [2]]")]
    [InlineData("""[{"a": 1}]""")]
    public void Untyped_array_that_is_mixed_empty_or_nested_is_refused(string json)
    {
        Bad(json);
    }

    [Theory]
    [InlineData("""{"value": "0f8fad5b-d9cb-469f-a165-70867728950e", "type": "uuid"}""")]
    [InlineData("""{"type": "UUID", "value": "0f8fad5bd9cb469fa16570867728950e"}""")]
    [InlineData("""{"value": "{0f8fad5b-d9cb-469f-a165-70867728950e}", "type": "uuid"}""")]
    public void Typed_uuid_is_parsed_strictly(string json)
    {
        Assert.Equal(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), Value<Guid>(Create(json), NpgsqlDbType.Uuid));
    }

    [Fact]
    public void Bad_typed_value_names_the_parameter_and_type_without_echoing_the_value()
    {
        string secret = "not-a-uuid-" + new string('s', 5000);
        var error = Bad($$"""{"value": "{{secret}}", "type": "uuid"}""");
        Assert.Contains("uuid", error.Message);
        Assert.DoesNotContain("not-a-uuid", error.Message);
        Assert.True(error.Message.Length < 300, error.Message);
    }

    [Fact]
    public void Typed_timestamptz_needs_an_offset_and_becomes_utc()
    {
        DateTime value = Value<DateTime>(Create("""{"value": "2024-05-01T12:00:00+02:00", "type": "timestamptz"}"""), NpgsqlDbType.TimestampTz);
        Assert.Equal(new DateTime(2024, 5, 1, 10, 0, 0, DateTimeKind.Utc), value);
        Assert.Equal(DateTimeKind.Utc, value.Kind);
        Assert.Equal(DateTimeKind.Utc, Value<DateTime>(Create("""{"value": "2024-05-01T12:00:00.123Z", "type": "timestamptz"}"""), NpgsqlDbType.TimestampTz).Kind);
        Bad("""{"value": "2024-05-01T12:00:00", "type": "timestamptz"}""");
        Bad("""{"value": "yesterday", "type": "timestamptz"}""");
    }

    [Fact]
    public void Typed_timestamp_refuses_an_offset()
    {
        DateTime value = Value<DateTime>(Create("""{"value": "2024-05-01T12:00:00", "type": "timestamp"}"""), NpgsqlDbType.Timestamp);
        Assert.Equal(new DateTime(2024, 5, 1, 12, 0, 0), value);
        Assert.Equal(DateTimeKind.Unspecified, value.Kind);
        Bad("""{"value": "2024-05-01T12:00:00Z", "type": "timestamp"}""");
    }

    [Fact]
    public void Typed_date_is_yyyy_MM_dd()
    {
        Assert.Equal(new DateOnly(2024, 5, 1), Value<DateOnly>(Create("""{"value": "2024-05-01", "type": "date"}"""), NpgsqlDbType.Date));
        Bad("""{"value": "2024-5-1", "type": "date"}""");
        Bad("""{"value": "2024-02-30", "type": "date"}""");
    }

    [Theory]
    [InlineData("jsonb", NpgsqlDbType.Jsonb)]
    [InlineData("json", NpgsqlDbType.Json)]
    public void Typed_json_passes_the_value_as_json_text(string type, NpgsqlDbType dbType)
    {
        Assert.Equal("""{"a": [1, "x"]}""", Value<string>(Create($$"""{"value": {"a": [1, "x"]}, "type": "{{type}}"}"""), dbType));
        Assert.Equal("\"text\"", Value<string>(Create($$"""{"value": "text", "type": "{{type}}"}"""), dbType));
    }

    [Fact]
    public void Typed_numeric_accepts_numbers_and_numeric_strings_exactly()
    {
        Assert.Equal(123.45m, Value<decimal>(Create("""{"value": "123.45", "type": "numeric"}"""), NpgsqlDbType.Numeric));
        Assert.Equal(0.1m, Value<decimal>(Create("""{"value": 0.1, "type": "decimal"}"""), NpgsqlDbType.Numeric));
        Assert.Equal(BigInteger.Pow(10, 30), Value<BigInteger>(Create($$"""{"value": "1{{new string('0', 30)}}", "type": "numeric"}"""), NpgsqlDbType.Numeric));
        Bad("""{"value": "abc", "type": "numeric"}""");
        Bad("""{"value": 1e-40, "type": "numeric"}""");
    }

    [Fact]
    public void Typed_integers_check_their_range_and_accept_digit_strings()
    {
        Assert.Equal(42, Value<int>(Create("""{"value": 42, "type": "int"}"""), NpgsqlDbType.Integer));
        Assert.Equal(42, Value<int>(Create("""{"value": "42", "type": "integer"}"""), NpgsqlDbType.Integer));
        Assert.Equal((short)-7, Value<short>(Create("""{"value": -7, "type": "smallint"}"""), NpgsqlDbType.Smallint));
        Assert.Equal(9007199254740993L, Value<long>(Create("""{"value": "9007199254740993", "type": "bigint"}"""), NpgsqlDbType.Bigint));
        Bad("""{"value": 2147483648, "type": "int"}""");
        Bad("""{"value": 40000, "type": "smallint"}""");
        Bad("""{"value": 1.5, "type": "bigint"}""");
        Bad("""{"value": " 42", "type": "int"}""");
    }

    [Fact]
    public void Typed_floats_accept_finite_numbers_and_postgres_special_values()
    {
        Assert.Equal(1.5f, Value<float>(Create("""{"value": 1.5, "type": "real"}"""), NpgsqlDbType.Real));
        Assert.Equal(float.PositiveInfinity, Value<float>(Create("""{"value": "Infinity", "type": "float4"}"""), NpgsqlDbType.Real));
        Assert.True(double.IsNaN(Value<double>(Create("""{"value": "NaN", "type": "double"}"""), NpgsqlDbType.Double)));
        Assert.Equal(double.NegativeInfinity, Value<double>(Create("""{"value": "-Infinity", "type": "double precision"}"""), NpgsqlDbType.Double));
        Bad("""{"value": "1.5", "type": "double"}""");
        Bad("""{"value": 1e300, "type": "real"}""");
    }

    [Fact]
    public void Typed_text_and_bool_are_strict_about_json_kinds()
    {
        Assert.Equal("5", Value<string>(Create("""{"value": "5", "type": "text"}"""), NpgsqlDbType.Text));
        Assert.True(Value<bool>(Create("""{"value": true, "type": "boolean"}"""), NpgsqlDbType.Boolean));
        Bad("""{"value": 5, "type": "text"}""");
        Bad("""{"value": "true", "type": "bool"}""");
    }

    [Fact]
    public void Typed_bytea_is_strict_base64()
    {
        Assert.Equal([1, 2, 3], Value<byte[]>(Create("""{"value": "AQID", "type": "bytea"}"""), NpgsqlDbType.Bytea));
        Assert.Equal([1, 2], Value<byte[]>(Create("""{"value": "AQI=", "type": "bytea"}"""), NpgsqlDbType.Bytea));
        Assert.Empty(Value<byte[]>(Create("""{"value": "", "type": "bytea"}"""), NpgsqlDbType.Bytea));
        Bad("""{"value": "not base64!", "type": "bytea"}""");
        Bad("""{"value": "AQI", "type": "bytea"}""");
        Bad("""{"value": "AQ I=", "type": "bytea"}""");
    }

    [Fact]
    public void Typed_arrays_parse_each_element_and_keep_nulls()
    {
        Guid id = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        Assert.Equal([id, null], Value<Guid?[]>(Create($$"""{"value": ["{{id}}", null], "type": "uuid[]"}"""), NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        Assert.Empty(Value<long[]>(Create("""{"value": [], "type": "bigint[]"}"""), NpgsqlDbType.Array | NpgsqlDbType.Bigint));
        AssertElements(["a"], Value<string?[]>(Create("""{"value": ["a"], "type": "text[]"}"""), NpgsqlDbType.Array | NpgsqlDbType.Text));
        AssertElements(["{\"a\":1}", null], Value<string?[]>(Create("""{"value": [{"a":1}, null], "type": "jsonb[]"}"""), NpgsqlDbType.Array | NpgsqlDbType.Jsonb));
    }

    [Fact]
    public void Typed_array_with_a_bad_element_names_its_index()
    {
        var error = Bad("""{"value": [1, 2, "x"], "type": "int[]"}""");
        Assert.Contains("element 2", error.Message);
        Bad("""{"value": 1, "type": "int[]"}""");
    }

    [Fact]
    public void Typed_null_is_db_null_of_that_type()
    {
        NpgsqlParameter parameter = Create("""{"value": null, "type": "uuid"}""");
        Assert.Equal(DBNull.Value, parameter.Value);
        Assert.Equal(NpgsqlDbType.Uuid, parameter.NpgsqlDbType);

        NpgsqlParameter array = Create("""{"value": null, "type": "text[]"}""");
        Assert.Equal(NpgsqlDbType.Array | NpgsqlDbType.Text, array.NpgsqlDbType);
    }

    [Theory]
    [InlineData("""{"value": 1, "type": "money"}""")]
    [InlineData("""{"value": 1, "type": "int[][]"}""")]
    [InlineData("""{"value": 1, "type": 5}""")]
    [InlineData("""{"value": 1}""")]
    [InlineData("""{"type": "int"}""")]
    [InlineData("""{"value": 1, "type": "int", "extra": true}""")]
    [InlineData("""{"a": 1}""")]
    [InlineData("""{}""")]
    public void Malformed_typed_value_or_unknown_type_is_refused(string json)
    {
        Bad(json);
    }
}
