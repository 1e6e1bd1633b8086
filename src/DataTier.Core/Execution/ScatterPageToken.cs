using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;
using DataTier.Core.Errors;

namespace DataTier.Core.Execution;

/// <summary>
/// The continuation token of a keyset page: the statement it belongs to, the ring version it was cut at, and the last
/// row's sort key, each value with its type so the next page compares with the same type. Base64url JSON: opaque to
/// callers, but not secret (it holds values the caller was just sent).
/// </summary>
/// <remarks>
/// The ring version is informational (a rebalance between pages changes nothing: the next page reads every shard as it
/// is then). The statement's fingerprint is checked, so a token cannot continue another statement.
/// </remarks>
public static class ScatterPageToken
{
    /// <summary>The problem code of a token that is malformed or made for another statement.</summary>
    public const string InvalidCode = "invalid-page-token";

    /// <summary>Encodes a token.</summary>
    public static string Encode(string fingerprint, long ringVersion, IReadOnlyList<object?> sortKey)
    {
        fingerprint = Short(fingerprint);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("f", fingerprint);
            json.WriteNumber("r", ringVersion);
            json.WriteStartArray("k");
            foreach (var value in sortKey)
            {
                WriteValue(json, value);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.WrittenSpan);
    }

    /// <summary>Reads a token made for the statement with <paramref name="fingerprint"/>.</summary>
    /// <exception cref="DataTierException">Malformed, or made for another statement (<see cref="InvalidCode"/>).</exception>
    public static (long RingVersion, object?[] SortKey) Decode(string token, string fingerprint)
    {
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(token));
            var root = document.RootElement;
            if (root.GetProperty("f").GetString() != Short(fingerprint))
            {
                throw Invalid("it was made for another statement");
            }

            var values = root.GetProperty("k").EnumerateArray().Select(ReadValue).ToArray();
            return (root.GetProperty("r").GetInt64(), values);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException or OverflowException)
        {
            throw Invalid("it is not a token DataTier made");
        }
    }

    // The statement's fingerprint is its normalised text: a hash of it keeps tokens short.
    private static string Short(string fingerprint) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fingerprint)).AsSpan(0, 8));

    private static DataTierException Invalid(string why) =>
        new(DataTierErrorKind.BadRequest, InvalidCode, $"The page's 'after' token cannot be used: {why}. Pass the 'next' token of the previous page of the same statement, or omit 'after' for the first page.");

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        json.WriteStartArray();
        switch (value)
        {
            case null:
                json.WriteStringValue("null");
                break;
            case string s:
                json.WriteStringValue("s");
                json.WriteStringValue(s);
                break;
            case short or int or long:
                json.WriteStringValue("i");
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case decimal d:
                json.WriteStringValue("n");
                json.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                break;
            case double or float:
                json.WriteStringValue("f");
                json.WriteStringValue(Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture));
                break;
            case bool b:
                json.WriteStringValue("b");
                json.WriteBooleanValue(b);
                break;
            case DateTime t:
                // Kind is kept: Utc is timestamptz, Unspecified timestamp, as Npgsql read them.
                json.WriteStringValue(t.Kind == DateTimeKind.Utc ? "tz" : "ts");
                json.WriteNumberValue(t.Ticks);
                break;
            case Guid g:
                json.WriteStringValue("u");
                json.WriteStringValue(g);
                break;
            default:
                throw new DataTierException(
                    DataTierErrorKind.BadRequest,
                    "page-sort-type-unsupported",
                    $"A page cannot end on a sort value of type {value.GetType().Name}; order the statement by text, numbers, booleans, timestamps or uuids.");
        }

        json.WriteEndArray();
    }

    private static object? ReadValue(JsonElement item)
    {
        string tag = item[0].GetString()!;
        return tag switch
        {
            "null" => null,
            "s" => item[1].GetString()!,
            "i" => item[1].GetInt64(),
            "n" => decimal.Parse(item[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
            "f" => double.Parse(item[1].GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
            "b" => item[1].GetBoolean(),
            "tz" => new DateTime(item[1].GetInt64(), DateTimeKind.Utc),
            "ts" => new DateTime(item[1].GetInt64(), DateTimeKind.Unspecified),
            "u" => item[1].GetGuid(),
            _ => throw new FormatException(),
        };
    }
}
