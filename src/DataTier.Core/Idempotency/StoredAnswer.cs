using System.Buffers;
using System.Text;
using System.Text.Json;
using DataTier.Core.Execution;

namespace DataTier.Core.Idempotency;

/// <summary>
/// The results of a keyed write as the shard stores them, and back: every value is kept as the JSON the answer
/// writes for it (<see cref="ResultJsonWriter.WriteValue"/>), and comes back as <see cref="RawJson"/>, so a replayed
/// answer is written byte for byte as the first one was, whatever the column types.
/// </summary>
internal static class StoredAnswer
{
    /// <summary>
    /// <c>{"results":[{"rowsAffected":n,"columns":[...],"rows":[[v,...],...],"truncated":b},...]}</c>: rows as
    /// arrays, so column order needs no object member order.
    /// </summary>
    public static string Encode(IReadOnlyList<WriteResult> results)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("results");
            foreach (var result in results)
            {
                w.WriteStartObject();
                w.WriteNumber("rowsAffected", result.RowsAffected);
                w.WriteStartArray("columns");
                foreach (string column in result.Rows.Columns)
                {
                    w.WriteStringValue(column);
                }

                w.WriteEndArray();
                w.WriteStartArray("rows");
                foreach (var row in result.Rows.Rows)
                {
                    w.WriteStartArray();
                    foreach (var value in row)
                    {
                        ResultJsonWriter.WriteValue(w, value);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndArray();
                w.WriteBoolean("truncated", result.Rows.Truncated);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The results <see cref="Encode"/> stored.</summary>
    /// <exception cref="JsonException">The text is not what <see cref="Encode"/> writes.</exception>
    public static List<WriteResult> Decode(string answer)
    {
        using var doc = JsonDocument.Parse(answer);
        var results = new List<WriteResult>();
        foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            var columns = new List<string>();
            foreach (var column in result.GetProperty("columns").EnumerateArray())
            {
                columns.Add(column.GetString() ?? throw new JsonException("A stored column name is null."));
            }

            var rows = new List<object?[]>();
            foreach (var stored in result.GetProperty("rows").EnumerateArray())
            {
                var row = new object?[columns.Count];
                int i = 0;
                foreach (var value in stored.EnumerateArray())
                {
                    row[i++] = value.ValueKind == JsonValueKind.Null ? null : new RawJson(value.GetRawText());
                }

                rows.Add(row);
            }

            var query = new QueryResult { Columns = [.. columns], Rows = rows, Truncated = result.GetProperty("truncated").GetBoolean() };
            results.Add(new WriteResult(result.GetProperty("rowsAffected").GetInt64(), query));
        }

        return results;
    }
}
