using System.Globalization;
using DataTier.DevCluster.Processes;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// A real Redis Cluster on 127.0.0.1: 3 masters with 1 replica each (6 <c>redis-server</c> processes,
/// <c>redis-cli --cluster create</c>), a 1 s node timeout so that a killed master's replica takes over within a few
/// seconds. The replicas are what lets "one master killed fails no request" hold for L2 too: without them the dead
/// master's slots stay down and DataTier serves from L1 and the database (which it does anyway while failover runs).
/// </summary>
public sealed class RedisClusterFixture() : LocalRedisSetup("datatier-rc-")
{
    /// <summary>The client ports of the 6 nodes.</summary>
    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>DataTier settings that point a server at this cluster.</summary>
    public override IDictionary<string, string?>? ServerSettings => new Dictionary<string, string?>
    {
        ["DataTier:Redis:Configuration"] = string.Join(',', Ports.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture))),
        ["DataTier:Redis:Cluster"] = "true",
        ["DataTier:Redis:KeyPrefix"] = "dtc:",
    };

    /// <inheritdoc />
    protected override async Task StartNodesAsync()
    {
        // Client and bus ports both picked free: the default bus port (client + 10000) may be out of range or taken.
        var ports = PortAllocator.Allocate(12);
        Ports = ports.Take(6).ToList();
        for (int i = 0; i < 6; i++)
        {
            await Nodes.StartAsync(ports[i], "node" + i,
            [
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "1000",
                "--cluster-port", ports[6 + i].ToString(CultureInfo.InvariantCulture),
            ]);
        }

        var create = new List<string> { "--cluster", "create" };
        create.AddRange(Ports.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture)));
        create.AddRange(["--cluster-replicas", "1", "--cluster-yes"]);
        await Nodes.CliAsync(Ports[0], [.. create]);
    }

    /// <inheritdoc />
    protected override Task WaitHealthyAsync() =>
        LocalRedisNodes.WaitUntilAsync(async () => await IsHealthyAsync(expectedReplicas: 3), TimeSpan.FromSeconds(30), "the Redis Cluster to be ok with 3 synced replicas");

    /// <summary>The client port of the master that owns <paramref name="key"/>'s slot.</summary>
    public async Task<int> MasterOwningAsync(string key)
    {
        int slot = int.Parse((await AnyNodeAsync("cluster", "keyslot", key)).Trim(), CultureInfo.InvariantCulture);
        foreach (var (port, flags, slots) in await NodesAsync())
        {
            if (flags.Contains("master", StringComparison.Ordinal) && !flags.Contains("fail", StringComparison.Ordinal)
                && slots.Any(r => r.From <= slot && slot <= r.To))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No live master owns slot {slot}.");
    }

    /// <summary>Kills a master with SIGKILL (a crash, not a shutdown).</summary>
    public void Kill(int port) => Nodes.Kill(port);

    /// <summary>Waits until a live master other than <paramref name="victim"/> owns <paramref name="key"/>'s slot (its replica promoted).</summary>
    public Task WaitForPromotionAsync(string key, int victim, TimeSpan timeout) =>
        LocalRedisNodes.WaitUntilAsync(async () => await MasterOwningAsync(key) != victim, timeout, "a replica to take over from the killed master");

    private async Task<bool> IsHealthyAsync(int expectedReplicas)
    {
        foreach (int port in Ports)
        {
            if (!(await Nodes.CliAsync(port, "cluster", "info")).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return false;
            }
        }

        var nodes = await NodesAsync();
        var replicas = nodes.Where(n => n.Flags.Contains("slave", StringComparison.Ordinal)).ToList();
        if (replicas.Count != expectedReplicas)
        {
            return false;
        }

        // A replica takes over only once it has synced: the first full sync must be done before any test kills a master.
        foreach (var replica in replicas)
        {
            if (!(await Nodes.CliAsync(replica.Port, "info", "replication")).Contains("master_link_status:up", StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private async Task<List<(int Port, string Flags, List<(int From, int To)> Slots)>> NodesAsync()
    {
        string text = await AnyNodeAsync("cluster", "nodes");
        var nodes = new List<(int Port, string Flags, List<(int From, int To)> Slots)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // <id> <ip:port@cport> <flags> ...
            var fields = line.Split(' ');
            string address = fields[1];
            int port = int.Parse(address[(address.IndexOf(':', StringComparison.Ordinal) + 1)..address.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            // Fields from the 9th on are slot ranges ("0-5460", "7000") or migrations ("[...]"), skipped.
            var slots = fields.Skip(8).Where(f => !f.StartsWith('[')).Select(f => f.Split('-')).Select(r => (int.Parse(r[0], CultureInfo.InvariantCulture), int.Parse(r[^1], CultureInfo.InvariantCulture))).ToList();
            nodes.Add((port, fields[2], slots));
        }

        return nodes;
    }

    // Asks the first node that answers: one of them may be the one a test killed.
    private async Task<string> AnyNodeAsync(params string[] args)
    {
        foreach (int port in Ports)
        {
            try
            {
                return await Nodes.CliAsync(port, args);
            }
            catch (InvalidOperationException)
            {
                // That node is down: ask the next.
            }
        }

        throw new InvalidOperationException("No Redis Cluster node answers.");
    }
}
