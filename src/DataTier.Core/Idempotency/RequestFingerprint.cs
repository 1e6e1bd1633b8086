using System.Buffers;
using System.Data;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace DataTier.Core.Idempotency;

/// <summary>
/// The SHA-256 of what a write does: its kind (a single statement or a transaction), shard key, isolation and, per
/// statement, its text and its parameters. A retry with the same key must have the same fingerprint, or it is refused
/// with <c>idempotency-key-reused</c>. The session token, the timeout and maxRows are left out: a retry may carry a
/// newer token or ask for more time without being a different write.
/// </summary>
public static class RequestFingerprint
{
    // Bumped if the encoding below ever changes, so that old and new fingerprints can never compare equal by accident.
    private const byte Version = 1;

    /// <summary>The fingerprint (32 bytes).</summary>
    /// <param name="kind">The request kind (e.g. <c>execute</c>, <c>transaction</c>): the same SQL sent to two endpoints is two writes.</param>
    /// <param name="shardKey">The key the write routes by.</param>
    /// <param name="isolation">The transaction's isolation level.</param>
    /// <param name="statements">The statements as sent.</param>
    public static byte[] Compute(string kind, string shardKey, IsolationLevel isolation, IReadOnlyList<RequestStatement> statements)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        buffer.GetSpan(1)[0] = Version;
        buffer.Advance(1);
        // Every field is length-prefixed, so no two different requests can encode to the same bytes
        // ("ab" + "c" against "a" + "bc").
        WriteField(buffer, kind);
        WriteField(buffer, shardKey);
        WriteField(buffer, isolation.ToString());
        WriteLength(buffer, statements.Count);
        var canonical = new ArrayBufferWriter<byte>(128);
        foreach (var statement in statements)
        {
            WriteField(buffer, statement.Sql ?? "");
            canonical.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(canonical))
            {
                WriteCanonical(writer, statement.Parameters);
            }

            WriteLength(buffer, canonical.WrittenCount);
            buffer.Write(canonical.WrittenSpan);
        }

        return SHA256.HashData(buffer.WrittenSpan);
    }

    // JSON that means the same encodes the same: object members in ordinal order of their names, strings re-escaped
    // by one writer, numbers as sent (1.0 and 1 may bind differently, so they stay different). An absent parameters
    // object and null are the same request.
    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined or JsonValueKind.Null:
                writer.WriteNullValue();
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                var members = new List<JsonProperty>();
                foreach (var member in value.EnumerateObject())
                {
                    members.Add(member);
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (var member in members)
                {
                    writer.WritePropertyName(member.Name);
                    WriteCanonical(writer, member.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetString());
                break;
            default:
                // Numbers, true and false: their text as sent.
                writer.WriteRawValue(value.GetRawText(), skipInputValidation: true);
                break;
        }
    }

    private static void WriteField(ArrayBufferWriter<byte> buffer, string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        WriteLength(buffer, length);
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    private static void WriteLength(ArrayBufferWriter<byte> buffer, int length)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(buffer.GetSpan(4), length);
        buffer.Advance(4);
    }
}
