using System.Text.Json;
using System.Text.Json.Serialization;

namespace DataTier.DevCluster;

/// <summary>
/// How to reach a local cluster. Serialized (camelCase) it is what <c>datatier dev up --json</c> prints:
/// <c>baseUrl</c>, <c>keys</c>, <c>shards</c>, <c>catalog</c>, <c>redis</c>. The other properties are for tests
/// and tools and are never printed.
/// </summary>
public sealed record ClusterManifest
{
    private static readonly JsonSerializerOptions PrintOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Base URL of the DataTier server, or null when no server was started.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>
    /// The PostgreSQL wire front end as a libpq URL for the <c>app</c> key
    /// (<c>postgresql://app:KEY@127.0.0.1:PORT/datatier</c>), or null when no server was started.
    /// </summary>
    public string? PostgresUrl => PostgresPort > 0 ? PostgresUrlFor("app", Keys.App) : null;

    /// <summary>The wire front end's port, 0 when no server was started.</summary>
    [JsonIgnore]
    public int PostgresPort { get; init; }

    /// <summary>A libpq URL that logs in on the wire front end with the key called <paramref name="keyName"/>.</summary>
    public string PostgresUrlFor(string keyName, string key) =>
        $"postgresql://{Uri.EscapeDataString(keyName)}:{Uri.EscapeDataString(key)}@127.0.0.1:{PostgresPort}/datatier";

    /// <summary>The API keys (the server stores only their SHA-256).</summary>
    public required ApiKeySet Keys { get; init; }

    /// <summary>The shards, <c>s1</c>..<c>sN</c>.</summary>
    public required IReadOnlyList<ShardManifest> Shards { get; init; }

    /// <summary>Catalog database, as <c>datatier_app</c>.</summary>
    public required string Catalog { get; init; }

    /// <summary>Redis as <c>127.0.0.1:PORT</c>, or null when Redis was not started.</summary>
    public string? Redis { get; init; }

    /// <summary>The etcd member Patroni uses (<c>http://127.0.0.1:PORT</c>) when the shards run under Patroni, else null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Etcd { get; init; }

    /// <summary>Catalog database, as <c>datatier_admin</c>.</summary>
    [JsonIgnore]
    public string CatalogAdmin { get; init; } = "";

    /// <summary>Login of the admin role (owner of the databases; runs migrations).</summary>
    [JsonIgnore]
    public string AdminUsername { get; init; } = LocalCluster.AdminRole;

    /// <summary>Password of <see cref="AdminUsername"/>.</summary>
    [JsonIgnore]
    public string AdminPassword { get; init; } = "";

    /// <summary>Token signing key for the server: base64 of 32 random bytes.</summary>
    [JsonIgnore]
    public string TokenSigningKey { get; init; } = "";

    /// <summary>Directory holding the cluster's data, logs and state file.</summary>
    [JsonIgnore]
    public string BaseDir { get; init; } = "";

    /// <summary>Every PostgreSQL instance: catalog, then each shard's primary and replicas.</summary>
    [JsonIgnore]
    public IReadOnlyList<ClusterNode> Nodes { get; init; } = [];

    /// <summary>The manifest as printed: indented camelCase JSON of the public part.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, PrintOptions);
}
