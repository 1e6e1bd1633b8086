using System.Text.Json.Serialization;

namespace DataTier.Core.Switchover;

/// <summary>A member of a Patroni cluster as <c>GET /cluster</c> lists it (only what a switchover needs).</summary>
internal sealed record PatroniClusterMember
{
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary><c>leader</c> (<c>master</c> before Patroni 3), <c>sync_standby</c>, <c>replica</c>, ...</summary>
    [JsonPropertyName("role")]
    public string Role { get; init; } = "";

    [JsonPropertyName("host")]
    public string Host { get; init; } = "";

    [JsonPropertyName("port")]
    public int Port { get; init; }

    /// <summary>The member's own REST API (<c>http://host:8008/patroni</c>).</summary>
    [JsonPropertyName("api_url")]
    public string ApiUrl { get; init; } = "";

    public bool IsLeader => Role is "leader" or "master" or "standby_leader";
}
