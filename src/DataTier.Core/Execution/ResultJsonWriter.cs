using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DataTier.Core.Execution;

/// <summary>Writes rows as a JSON array of objects, mapping PostgreSQL values to their natural JSON form.</summary>
public static class ResultJsonWriter
{
    /// <summary>Writes <c>[{"col": value, ...}, ...]</c>.</summary>
    public static void WriteRows(Utf8JsonWriter writer, QueryResult result)
    {
        var names = new JsonEncodedText[result.Columns.Length];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = JsonEncodedText.Encode(result.Columns[i]);
        }

        writer.WriteStartArray();
        foreach (var row in result.Rows)
        {
            writer.WriteStartObject();
            for (int i = 0; i < names.Length; i++)
            {
                writer.WritePropertyName(names[i]);
                WriteValue(writer, row[i]);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>Writes one value.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case RawJson json:
                writer.WriteRawValue(json.Json, skipInputValidation: true);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case short sh:
                writer.WriteNumberValue(sh);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                writer.WriteNumberValue(f);
                break;
            case double or float:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case DateTime dt:
                writer.WriteStringValue(dt.Kind == DateTimeKind.Utc ? dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture) : dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture));
                break;
            case DateOnly date:
                writer.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                break;
            case TimeSpan ts:
                writer.WriteStringValue(ts.ToString("c", CultureInfo.InvariantCulture));
                break;
            case Guid g:
                writer.WriteStringValue(g);
                break;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                break;
            case IPAddress ip:
                writer.WriteStringValue(ip.ToString());
                break;
            case System.Numerics.BigInteger big:
                writer.WriteRawValue(big.ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                break;
            case IEnumerable sequence:
                writer.WriteStartArray();
                foreach (var item in sequence)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
