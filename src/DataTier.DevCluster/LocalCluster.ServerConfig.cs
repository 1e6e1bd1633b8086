using System.Text.Json.Nodes;
using DataTier.DevCluster.Processes;
using DataTier.DevCluster.Server;

namespace DataTier.DevCluster;

/// <content>The DataTier server's configuration for a cluster.</content>
public static partial class LocalCluster
{
    /// <summary>
    /// Writes the server configuration for <paramref name="manifest"/> (<c>{"DataTier": {"Topology", "Catalog",
    /// "Maintenance", "Redis", "Auth", "Tokens"}}</c>) to <paramref name="path"/>, readable by its owner only. Unlike
    /// <see cref="CreateServerConfig"/>, the file keeps the topology in the catalog (<c>Topology:Store</c> =
    /// <c>Catalog</c>), so that the dev server can add, drain and remove shards online, and with the wire front end on
    /// it configures TLS with a self-signed certificate made next to the file (<c>tls/wire.crt</c>, <c>tls/wire.key</c>).
    /// </summary>
    public static void WriteServerConfig(ClusterManifest manifest, string path)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        string? tlsDir = null;
        if (manifest.PostgresPort > 0)
        {
            tlsDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            DevTls.Ensure(tlsDir);
        }

        File.WriteAllText(path, ServerConfiguration.ToJson(manifest, tlsDir));
        FileSystem.MakePrivate(path);
    }

    /// <summary>The server configuration for <paramref name="manifest"/> as a JSON object.</summary>
    public static JsonObject CreateServerConfig(ClusterManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return ServerConfiguration.Create(manifest);
    }

    /// <summary>
    /// The server configuration for <paramref name="manifest"/> as flat keys (<c>DataTier:Topology:Shards:0:Id</c>),
    /// e.g. for <c>AddInMemoryCollection</c> in a <c>WebApplicationFactory</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> CreateServerConfigValues(ClusterManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return ServerConfiguration.ToKeyValues(manifest);
    }
}
