using System.Text.Json.Serialization;

namespace DataTier.DevCluster;

/// <summary>One shard of a local cluster: connection strings as <c>datatier_app</c>.</summary>
public sealed record ShardManifest
{
    /// <summary>Shard id, <c>s1</c>...</summary>
    public required string Id { get; init; }

    /// <summary>Primary, as <c>datatier_app</c>.</summary>
    public required string Primary { get; init; }

    /// <summary>Streaming replicas, as <c>datatier_app</c>.</summary>
    public required IReadOnlyList<string> Replicas { get; init; }

    /// <summary>
    /// The Patroni REST API of every node of the shard when Patroni manages it (<c>dev up --ha</c>): Patroni, not the
    /// dev cluster, decides which node is primary. Null (and not printed) for a plain shard.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? PatroniRestUrls { get; init; }

    /// <summary>Whether Patroni manages the shard.</summary>
    [JsonIgnore]
    public bool PatroniManaged => PatroniRestUrls is not null;

    /// <summary>Primary, as <c>datatier_admin</c> (DDL and migrations). Not printed.</summary>
    [JsonIgnore]
    public string PrimaryAdmin { get; init; } = "";
}
