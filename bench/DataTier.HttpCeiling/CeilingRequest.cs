using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTier.HttpCeiling;

/// <summary>The fields of DataTier's /v1/query body, deserialized the way DataTier does (source-generated, JsonElement params).</summary>
internal sealed class CeilingRequest
{
    public string? ShardKey { get; set; }

    public string? Sql { get; set; }

    public JsonElement Params { get; set; }

    public string? Consistency { get; set; }

    public string? Cache { get; set; }

    public static async ValueTask<CeilingRequest?> ReadAsync(PipeReader body, long length, CancellationToken cancellationToken)
    {
        var read = await body.ReadAtLeastAsync((int)Math.Min(length, 1 << 20), cancellationToken);
        var buffer = read.Buffer;
        try
        {
            return Parse(buffer);
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            body.AdvanceTo(buffer.End);
        }
    }

    private static CeilingRequest? Parse(ReadOnlySequence<byte> buffer)
    {
        var reader = new Utf8JsonReader(buffer);
        return JsonSerializer.Deserialize(ref reader, CeilingJsonContext.Default.CeilingRequest);
    }
}

/// <summary>Source-generated serialization, as DataTier's server uses.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, MaxDepth = 32)]
[JsonSerializable(typeof(CeilingRequest))]
internal sealed partial class CeilingJsonContext : JsonSerializerContext;
