using System.Text.Json.Serialization;

namespace DataTier.Core.Switchover;

/// <summary>The body of Patroni's <c>GET /cluster</c>: its members.</summary>
internal sealed record PatroniClusterView
{
    [JsonPropertyName("members")]
    public List<PatroniClusterMember> Members { get; init; } = [];
}
