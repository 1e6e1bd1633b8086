using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTier.Core.Execution;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.CrossShard;

/// <content>Running a statement on the oracle, the wire and HTTP, and comparing the answers.</content>
public sealed partial class CrossShardDifferentialTests
{
    /// <summary>An answer: column types (the wire and the oracle), rows as canonical cell texts, or an error or a refusal.</summary>
    private sealed record Answer(string[]? Types, List<string[]> Rows, string? Error, string? Refusal);

    private static async Task<Answer> RunOracleAsync(NpgsqlConnection connection, string sql)
    {
        try
        {
            return await ReadAsync(connection, sql);
        }
        catch (PostgresException e)
        {
            return new Answer(null, [], $"{e.SqlState} {e.MessageText}", null);
        }
    }

    private static async Task<Answer> RunWireAsync(NpgsqlConnection connection, string sql)
    {
        try
        {
            return await ReadAsync(connection, sql);
        }
        catch (PostgresException e) when (e.SqlState == "0A000" && Construct().Match(e.MessageText) is { Success: true } match)
        {
            return new Answer(null, [], null, match.Groups[1].Value);
        }
        catch (PostgresException e)
        {
            return new Answer(null, [], $"{e.SqlState} {e.MessageText}", null);
        }
    }

    private static async Task<Answer> ReadAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var types = new string[reader.FieldCount];
        for (int i = 0; i < types.Length; i++)
        {
            types[i] = reader.GetDataTypeName(i);
        }

        var rows = new List<string[]>();
        while (await reader.ReadAsync())
        {
            var row = new string[types.Length];
            for (int i = 0; i < row.Length; i++)
            {
                // As the HTTP API reads a value (ResultReader) and writes it (ResultJsonWriter).
                object? value = reader.IsDBNull(i) ? null : types[i] is "json" or "jsonb" ? new RawJson(reader.GetString(i)) : reader.GetValue(i);
                row[i] = Canonical(JsonNode.Parse(Json(value)));
            }

            rows.Add(row);
        }

        return new Answer(types, rows, null, null);
    }

    private static async Task<Answer> RunHttpAsync(HttpClient http, string sql)
    {
        var (status, body) = await Api.PostAsync(http, "/v1/scatter", new { sql, consistency = "strong", maxRows = 10_000 });
        if (status == HttpStatusCode.OK)
        {
            var rows = body!["rows"]!.AsArray().Select(r => r!.AsObject().Select(p => Canonical(p.Value)).ToArray()).ToList();
            return new Answer(null, rows, null, null);
        }

        string detail = (string?)body?["detail"] ?? "";
        if (status == HttpStatusCode.BadRequest && (string?)body?["type"] == "https://datatier.dev/problems/cross-shard-unsupported" && Construct().Match(detail) is { Success: true } match)
        {
            return new Answer(null, [], null, match.Groups[1].Value);
        }

        return new Answer(null, [], $"{(int)status} {(string?)body?["type"]} {detail}", null);
    }

    private static string Json(object? value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ResultJsonWriter.WriteValue(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    // Numbers by their text (so 1.50 and 1.5 differ, as numeric scales do), strings by value whatever their escaping.
    private static string Canonical(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.String => "s:" + node.GetValue<string>(),
        JsonValueKind.Number => "n:" + node.ToJsonString(),
        _ => node.ToJsonString(),
    };

    /// <summary>Null when DataTier's answers are the oracle's (or the statement is refused as expected); else what differs.</summary>
    private static string? Judge(GeneratedStatement statement, Answer oracle, Answer wire, Answer http, SortedDictionary<string, int> refused, ref int bothFailed)
    {
        if (statement.ExpectedRefusal is { } construct)
        {
            if (wire.Refusal != construct || http.Refusal != construct)
            {
                return $"expected the refusal '{construct}'; wire: {wire.Refusal ?? wire.Error ?? "answered"}; HTTP: {http.Refusal ?? http.Error ?? "answered"}";
            }

            refused[construct] = refused.GetValueOrDefault(construct) + 1;
            return null;
        }

        if (wire.Refusal is not null || http.Refusal is not null)
        {
            return $"refused a statement the grammar expects answered; wire: {wire.Refusal}; HTTP: {http.Refusal}";
        }

        if (oracle.Error is not null)
        {
            if (wire.Error is not null && http.Error is not null)
            {
                bothFailed++;
                return null;
            }

            return $"the oracle failed ({oracle.Error}) but DataTier answered (wire error: {wire.Error}; HTTP error: {http.Error})";
        }

        if (wire.Error is not null || http.Error is not null)
        {
            return $"DataTier failed; wire: {wire.Error}; HTTP: {http.Error}";
        }

        if (!oracle.Types!.SequenceEqual(wire.Types!))
        {
            return $"column types: oracle {string.Join(",", oracle.Types!)}, wire {string.Join(",", wire.Types!)}";
        }

        return Compare(statement, oracle.Rows, wire.Rows, "wire") ?? Compare(statement, oracle.Rows, http.Rows, "HTTP");
    }

    private static string? Compare(GeneratedStatement statement, List<string[]> expected, List<string[]> actual, string frontEnd)
    {
        static string Row(string[] row) => string.Join(" | ", row);
        // Rows equal on the sort key may come in either order, and equal numbers may differ in scale (1.50 = 1.5): the key
        // is compared by value.
        List<string> Project(List<string[]> rows) => rows.Select(r => Row([.. statement.KeyColumns.Select(k => ByValue(r[k]))])).ToList();
        static List<string> Sorted(List<string[]> rows) => rows.Select(Row).Order(StringComparer.Ordinal).ToList();

        if (expected.Count != actual.Count)
        {
            return $"{frontEnd}: {actual.Count} rows, the oracle {expected.Count}";
        }

        var (want, got) = statement.Order switch
        {
            AnswerOrder.Total => (expected.Select(Row).ToList(), actual.Select(Row).ToList()),
            AnswerOrder.ByKey => (Project(expected), Project(actual)),
            _ => (Sorted(expected), Sorted(actual)),
        };
        if (statement.Order == AnswerOrder.ByKey && !statement.Limited && !Sorted(expected).SequenceEqual(Sorted(actual)))
        {
            return $"{frontEnd}: the rows differ as multisets";
        }

        for (int i = 0; i < want.Count; i++)
        {
            if (want[i] != got[i])
            {
                return $"{frontEnd}: row {i} is [{got[i]}], the oracle's [{want[i]}]";
            }
        }

        return null;
    }

    private static string ByValue(string cell) =>
        cell.StartsWith("n:", StringComparison.Ordinal) && decimal.TryParse(cell.AsSpan(2), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out decimal value)
            ? "n:" + value.ToString("G29", System.Globalization.CultureInfo.InvariantCulture)
            : cell;

    private static async Task ExecuteOnAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarOnAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
