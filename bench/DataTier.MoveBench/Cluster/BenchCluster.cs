using DataTier.DevCluster;
using Npgsql;

namespace DataTier.MoveBench.Cluster;

/// <summary>
/// The run's own local cluster (catalog, shards s1 and s2 with one streaming replica each, Redis, the demo data)
/// plus the empty shard database s3. Disposing stops everything the cluster started and removes its files.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    /// <summary>The extra shard's id in the topology.</summary>
    public const string ExtraShardId = "s3";

    private const string ExtraDatabase = "dt_bench_s3";

    private readonly TextWriter _log;
    private readonly string _extraShardAdmin;

    private BenchCluster(string baseDir, ClusterManifest manifest, string extraShard, string extraShardAdmin, TextWriter log)
    {
        _log = log;
        _extraShardAdmin = extraShardAdmin;
        BaseDir = baseDir;
        Manifest = manifest;
        ExtraShardConnectionString = extraShard;
    }

    public string BaseDir { get; }

    public ClusterManifest Manifest { get; }

    /// <summary>s3 as the application role: what the server is given when s3 is added.</summary>
    public string ExtraShardConnectionString { get; }

    /// <summary>Every shard's primary as the application role, s3 included.</summary>
    public IReadOnlyDictionary<string, string> Primaries
    {
        get
        {
            var primaries = Manifest.Shards.ToDictionary(s => s.Id, s => s.Primary, StringComparer.Ordinal);
            primaries[ExtraShardId] = ExtraShardConnectionString;
            return primaries;
        }
    }

    /// <summary>
    /// Rewrites every shard's tables compactly (<c>VACUUM (FULL, ANALYZE)</c> as the owner), so that each move starts
    /// from tables as a fresh load leaves them. Without it a move's sources keep the dead rows the previous moves
    /// deleted: the next copy scans more pages, and the plan's bytes (each table's size per row) grew by half and
    /// then doubled over four moves of the same rows.
    /// </summary>
    public async Task CompactAsync(CancellationToken ct)
    {
        // The sharded tables only: a whole-database VACUUM FULL would also rewrite the system catalogs under the
        // server's open connections.
        var tables = await Sql.StringsAsync(Manifest.CatalogAdmin, "select quote_ident(table_name) from datatier.sharded_tables order by 1", ct);
        string vacuum = "vacuum (full, analyze) " + string.Join(", ", tables);
        foreach (string admin in Manifest.Shards.Select(s => s.PrimaryAdmin).Append(_extraShardAdmin))
        {
            await Sql.ExecuteAsync(admin, vacuum, ct);
        }
    }

    /// <summary>Starts the cluster in <paramref name="baseDir"/> (which must not hold one yet) and makes s3.</summary>
    public static async Task<BenchCluster> StartAsync(string baseDir, int rows, TextWriter log, CancellationToken ct)
    {
        try
        {
            var manifest = await LocalCluster.UpAsync(new LocalClusterOptions
            {
                BaseDir = baseDir,
                Shards = 2,
                Replicas = 1,
                Rows = rows,
                StartRedis = true,
                LoadDemoData = true,
                ServerDllPath = null,
                Log = log,
            }, ct);
            var catalogServer = LocalCluster.Attach(baseDir).Nodes.Single(n => n.ShardId is null);
            string extra = await ExtraShard.CreateAsync(catalogServer, ExtraDatabase, ct);
            string extraAdmin = new NpgsqlConnectionStringBuilder(catalogServer.AdminConnectionString) { Database = ExtraDatabase }.ConnectionString;
            return new BenchCluster(baseDir, manifest, extra, extraAdmin, log);
        }
        catch
        {
            // UpAsync stops what it started when it fails itself, but not when s3 could not be made afterwards.
            await StopAsync(baseDir, log);
            throw;
        }
    }

    /// <summary>Stops a cluster this tool started in <paramref name="baseDir"/>, if there is one; never throws.</summary>
    public static async Task StopAsync(string baseDir, TextWriter log)
    {
        try
        {
            await LocalCluster.DownAsync(baseDir, log, CancellationToken.None);
        }
        catch (Exception e) when (e is DevClusterException or IOException or InvalidOperationException)
        {
            await log.WriteLineAsync($"move-rate: could not stop the cluster in {baseDir}: {e.Message}");
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(BaseDir, _log));
}
