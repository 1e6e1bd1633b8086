using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTier.Client;

/// <summary>Source-generated JSON for the client's own envelope types.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(ScatterShard))]
[JsonSerializable(typeof(List<ScatterShard>))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;

/// <summary>An RFC 9457 problem as DataTier writes it.</summary>
internal sealed record ProblemBody(string? Type, string? Title, int Status, string? Detail, string? Code, string? SqlState, string? Shard, string? TraceId);
