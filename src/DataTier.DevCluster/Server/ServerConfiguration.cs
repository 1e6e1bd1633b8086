using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DataTier.Core.Ring;
using DataTier.Core.Switchover;
using DataTier.Core.Topology;

namespace DataTier.DevCluster.Server;

/// <summary>The DataTier server's configuration for a local cluster (section <c>DataTier</c>).</summary>
internal static class ServerConfiguration
{
    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    public static JsonObject Create(ClusterManifest manifest)
    {
        var shards = new JsonArray();
        foreach (var shard in manifest.Shards)
        {
            shards.Add(new JsonObject
            {
                ["Id"] = shard.Id,
                ["Weight"] = 1,
                ["Primary"] = shard.Primary,
                ["Replicas"] = new JsonArray(shard.Replicas.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
            });
        }

        var dataTier = new JsonObject
        {
            ["Topology"] = new JsonObject
            {
                ["VirtualNodesPerWeight"] = HashRing.DefaultVirtualNodesPerWeight,
                ["Shards"] = shards,
            },
            ["Catalog"] = new JsonObject { ["ConnectionString"] = manifest.Catalog },
            ["Maintenance"] = new JsonObject { ["Username"] = manifest.AdminUsername, ["Password"] = manifest.AdminPassword },
        };
        if (manifest.Redis is not null)
        {
            dataTier["Redis"] = new JsonObject { ["Configuration"] = manifest.Redis };
        }

        dataTier["Auth"] = new JsonObject
        {
            ["Keys"] = new JsonArray
            {
                Key("admin", manifest.Keys.Admin, "admin", "data:read", "data:write"),
                Key("app", manifest.Keys.App, "data:read", "data:write"),
                Key("reader", manifest.Keys.Reader, "data:read"),
            },
        };
        dataTier["Tokens"] = new JsonObject { ["SigningKey"] = manifest.TokenSigningKey };
        if (manifest.PostgresPort > 0)
        {
            dataTier["Postgres"] = new JsonObject { ["Port"] = manifest.PostgresPort };
        }

        // Under Patroni a planned switchover must go through Patroni, which would otherwise fight a promotion it did
        // not make; the promoter finds each shard's members through these REST APIs.
        var patroni = manifest.Shards.Where(s => s.PatroniManaged).SelectMany(s => s.PatroniRestUrls!).ToList();
        if (patroni.Count > 0)
        {
            dataTier["Switchover"] = new JsonObject
            {
                ["Promoter"] = PromoterNames.Patroni,
                ["Patroni"] = new JsonObject { ["RestUrls"] = new JsonArray(patroni.Select(u => (JsonNode?)JsonValue.Create(u)).ToArray()) },
            };
        }

        return new JsonObject { ["DataTier"] = dataTier };
    }

    /// <summary>
    /// The dev server's configuration file: <see cref="Create"/> with the topology kept in the catalog, so that shards
    /// can be added, drained and removed online (dev shard, shard, rebalance run). <see cref="Create"/> and
    /// <see cref="ToKeyValues"/> keep the Configuration default: the tests' servers start from them and opt in.
    /// With <paramref name="tlsDir"/>, the wire front end uses the certificate <see cref="DevTls"/> made there.
    /// </summary>
    public static string ToJson(ClusterManifest manifest, string? tlsDir = null)
    {
        var config = Create(manifest);
        config["DataTier"]!["Topology"]!["Store"] = nameof(TopologyStore.Catalog);
        if (tlsDir is not null && config["DataTier"]!["Postgres"] is JsonObject postgres)
        {
            postgres["Tls"] = new JsonObject
            {
                ["CertificatePath"] = DevTls.CertificatePath(tlsDir),
                ["KeyPath"] = DevTls.KeyPath(tlsDir),
            };
        }

        return config.ToJsonString(WriteOptions);
    }

    /// <summary>The same settings as flat configuration keys (<c>DataTier:Topology:Shards:0:Id</c>).</summary>
    public static Dictionary<string, string?> ToKeyValues(ClusterManifest manifest)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        Flatten(Create(manifest), null, values);
        return values;
    }

    private static JsonObject Key(string name, string key, params string[] scopes) => new()
    {
        ["Name"] = name,
        ["Sha256"] = Secrets.Sha256Hex(key),
        // Lets the key log in on the PostgreSQL wire front end; the dev cluster knows the plaintext keys, a real deployment computes it once.
        ["ScramSha256"] = DataTier.Postgres.Authentication.ScramVerifier.Create(key).ToPostgresFormat(),
        ["Scopes"] = new JsonArray(scopes.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
    };

    private static void Flatten(JsonNode? node, string? prefix, Dictionary<string, string?> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    Flatten(child, prefix is null ? name : $"{prefix}:{name}", into);
                }

                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++)
                {
                    Flatten(array[i], $"{prefix}:{i.ToString(CultureInfo.InvariantCulture)}", into);
                }

                break;
            case JsonValue value:
                into[prefix!] = value.GetValueKind() == JsonValueKind.String
                    ? value.GetValue<string>()
                    : value.ToJsonString();
                break;
            default:
                into[prefix!] = null;
                break;
        }
    }
}
