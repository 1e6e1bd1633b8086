using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTier.Server.Api;

/// <summary>Source-generated JSON for the host's request and answer types.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, MaxDepth = 32)]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(Dictionary<string, object?>))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(SlowQueriesView))]
[JsonSerializable(typeof(PerformanceView))]
[JsonSerializable(typeof(Core.Caching.CacheStatsSnapshot))]
[JsonSerializable(typeof(CacheInvalidateRequest))]
[JsonSerializable(typeof(CacheInvalidateResult))]
[JsonSerializable(typeof(CacheWarmupRequest))]
[JsonSerializable(typeof(CacheWarmupResponse))]
[JsonSerializable(typeof(QueryRequest))]
[JsonSerializable(typeof(ExecuteRequest))]
[JsonSerializable(typeof(TransactionRequest))]
[JsonSerializable(typeof(ScatterRequest))]
[JsonSerializable(typeof(TopologyView))]
[JsonSerializable(typeof(RouteView))]
internal sealed partial class ServerJsonContext : JsonSerializerContext;
