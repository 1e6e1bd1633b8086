using System.Buffers;
using System.Text;
using System.Text.Json;
using DataTier.Core.Execution;
using DataTier.Core.Idempotency;

namespace DataTier.Core.Tests.Idempotency;

public sealed class StoredAnswerTests
{
    private static string Rows(QueryResult result)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            ResultJsonWriter.WriteRows(w, result);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void A_decoded_answer_writes_the_same_json_as_the_original_for_every_value_kind()
    {
        var original = new QueryResult
        {
            Columns = ["id", "at", "amount", "doc", "missing", "bytes", "tags", "name", "ratio", "flag", "day"],
            Rows =
            [
                [Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), new DateTime(2026, 12, 3, 10, 11, 12, 345, DateTimeKind.Utc), 12.50m,
                    new RawJson("""{"b": 1, "a": [true, null]}"""), null, new byte[] { 0, 1, 254 }, new[] { "x", "y" }, "é \"quoted\" \u2028", double.NaN, true, new DateOnly(2026, 1, 2)],
                [Guid.Empty, DateTime.MinValue, -1m, new RawJson("[]"), null, Array.Empty<byte>(), Array.Empty<string>(), "", 0.25, false, DateOnly.MinValue],
            ],
            Truncated = true,
        };
        var results = new List<WriteResult> { new(2, original), new(7, QueryResult.Empty) };

        var decoded = StoredAnswer.Decode(StoredAnswer.Encode(results));

        Assert.Equal(2, decoded.Count);
        Assert.Equal(2, decoded[0].RowsAffected);
        Assert.Equal(7, decoded[1].RowsAffected);
        Assert.True(decoded[0].Rows.Truncated);
        Assert.Equal(original.Columns, decoded[0].Rows.Columns);
        Assert.Equal(Rows(original), Rows(decoded[0].Rows));
        Assert.Equal("[]", Rows(decoded[1].Rows));
        Assert.Empty(decoded[1].Rows.Columns);
    }

    [Fact]
    public void Column_order_survives_because_rows_are_stored_as_arrays()
    {
        var original = new QueryResult { Columns = ["z", "a", "m"], Rows = [[1, 2, 3]] };
        var decoded = StoredAnswer.Decode(StoredAnswer.Encode([new WriteResult(1, original)]));
        Assert.Equal("""[{"z":1,"a":2,"m":3}]""", Rows(decoded[0].Rows));
    }
}
