using DataTier.Core.Ring;
using DataTier.DevCluster;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// One real local cluster per test run, in a fresh temporary directory: a catalog, 2 shards with 1 streaming
/// replica each, Redis, and the demo data (20,000 activity_logs rows); no server process. If it cannot start
/// (PostgreSQL or redis-server missing, ...) every test of the collection fails with the reason.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    /// <summary>Demo rows the fixture loads.</summary>
    public const int Rows = 20_000;

    private readonly StringWriter _log = new();

    /// <summary>Directory of the cluster (deleted at the end).</summary>
    public string BaseDir { get; } = Path.Combine(Path.GetTempPath(), "datatier-it-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>How to reach the cluster.</summary>
    public ClusterManifest Manifest { get; private set; } = null!;

    /// <summary>Stops and starts single nodes and Redis.</summary>
    public ClusterHandle Cluster { get; private set; } = null!;

    /// <summary>The ring the demo data was placed with: every shard at weight 1.</summary>
    public HashRing Ring { get; private set; } = null!;

    /// <summary>Progress of the cluster's start, for failure messages.</summary>
    public string StartLog => _log.ToString();

    /// <summary>Whether the shards run under Patroni with etcd (<c>dev up --ha</c>); false for the plain cluster.</summary>
    protected virtual bool HighAvailability => false;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        try
        {
            Manifest = await LocalCluster.UpAsync(new LocalClusterOptions
            {
                BaseDir = BaseDir,
                Shards = 2,
                Replicas = 1,
                Rows = Rows,
                StartRedis = true,
                LoadDemoData = true,
                HighAvailability = HighAvailability,
                ServerDllPath = null,
                Log = TextWriter.Synchronized(_log),
            });
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The test cluster did not start in {BaseDir}: {e.Message}\n{StartLog}", e);
        }

        Cluster = LocalCluster.Attach(BaseDir);
        Ring = HashRing.Create(Manifest.Shards.Select(s => new RingMember(s.Id, 1)));
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await LocalCluster.DownAsync(BaseDir);
        if (Directory.Exists(BaseDir))
        {
            Directory.Delete(BaseDir, recursive: true);
        }
    }

    /// <summary>The shard's manifest entry.</summary>
    public ShardManifest Shard(string shardId) => Manifest.Shards.Single(s => s.Id == shardId);

    /// <summary>The demo tables, on every shard.</summary>
    public static readonly IReadOnlyList<string> DemoTables = ["teams", "users", "tasks", "activity_logs", "agent_cards"];

    /// <summary>
    /// An order-independent digest of every demo table on every primary (read as the admin role): equal before and
    /// after a test exactly when no row was added, removed or changed.
    /// </summary>
    public async Task<string> DemoTableChecksumsAsync()
    {
        var sums = new System.Text.StringBuilder();
        foreach (var shard in Manifest.Shards)
        {
            foreach (var table in DemoTables)
            {
                string sum = await Db.ScalarAsync<string>(shard.PrimaryAdmin, $"select count(*) || ' ' || coalesce(md5(string_agg(md5(t::text), '' order by md5(t::text))), '') from {table} t");
                sums.Append(shard.Id).Append('.').Append(table).Append('=').Append(sum).Append(';');
            }
        }

        return sums.ToString();
    }

    /// <summary>A fresh text key that the ring places on <paramref name="shardId"/>, unique to the calling test.</summary>
    public string KeyOnShard(string shardId, string prefix)
    {
        while (true)
        {
            string key = $"{prefix}-{Guid.NewGuid():N}";
            if (Ring.GetShard(key) == shardId)
            {
                return key;
            }
        }
    }
}
