using System.Text.Json;
using DataTier.CommandLine;

namespace DataTier.LoadReport.Cluster;

/// <summary>What <c>./datatier dev up --json</c> prints: the server's URL, the API keys and the shards.</summary>
internal sealed record DevClusterManifest
{
    public string? BaseUrl { get; init; }

    /// <summary>The server's PostgreSQL wire front end for the <c>app</c> key (<c>postgresql://app:KEY@127.0.0.1:PORT/datatier</c>).</summary>
    public string? PostgresUrl { get; init; }

    public required ManifestKeys Keys { get; init; }

    public required IReadOnlyList<ManifestShard> Shards { get; init; }

    public string? Redis { get; init; }

    public static DevClusterManifest Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"The cluster manifest {path} does not exist; write it with ./datatier dev up --json > FILE.");
        }

        var manifest = JsonSerializer.Deserialize<DevClusterManifest>(File.ReadAllText(path), Json.Options)
            ?? throw new UsageException($"{path} is empty.");
        if (manifest.Shards.Count == 0)
        {
            throw new UsageException($"{path} lists no shards.");
        }

        return manifest;
    }

    /// <summary>The shard the comparison scenarios use (the first, <c>s1</c>).</summary>
    public ManifestShard ComparisonShard => Shards[0];

    /// <summary>The login pgbench uses on the server's wire front end: user = the key's name, password = the key.</summary>
    public PgEndpoint RequireWireEndpoint() => PostgresUrl is { } url
        ? PgEndpoint.ParseUrl(url)
        : throw new UsageException(
            "The cluster manifest has no postgresUrl: the server was started without its PostgreSQL wire front end (DataTier:Postgres:Port).");

    public string RequireBaseUrl() => BaseUrl ?? throw new UsageException(
        "The cluster was started without a server (--no-server); bench/run needs the server that ./datatier dev up starts.");
}

/// <summary>The three API keys of a dev cluster.</summary>
internal sealed record ManifestKeys(string Admin, string App, string Reader);

/// <summary>One shard: its primary and replicas as Npgsql connection strings (datatier_app).</summary>
internal sealed record ManifestShard(string Id, string Primary, IReadOnlyList<string> Replicas)
{
    public PgEndpoint PrimaryEndpoint => PgEndpoint.Parse(Primary);

    public PgEndpoint? ReplicaEndpoint => Replicas.Count == 0 ? null : PgEndpoint.Parse(Replicas[0]);
}
