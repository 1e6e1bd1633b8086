using System.Globalization;
using DataTier.DevCluster.Processes;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// Redis behind Sentinel on 127.0.0.1: one master, one replica and 3 sentinels (quorum 2) watching it as
/// <see cref="ServiceName"/>. DataTier is given only the sentinels and the service name, as a deployment would.
/// </summary>
public sealed class RedisSentinelFixture() : LocalRedisSetup("datatier-rs-")
{
    /// <summary>The name the sentinels monitor the master under.</summary>
    public const string ServiceName = "dtmaster";

    /// <summary>The data nodes' ports: master first, then the replica.</summary>
    public IReadOnlyList<int> DataPorts { get; private set; } = [];

    /// <summary>The sentinels' ports.</summary>
    public IReadOnlyList<int> SentinelPorts { get; private set; } = [];

    /// <summary>DataTier settings that point a server at the sentinels.</summary>
    public override IDictionary<string, string?>? ServerSettings => new Dictionary<string, string?>
    {
        ["DataTier:Redis:Configuration"] = string.Join(',', SentinelPorts.Select(p => "127.0.0.1:" + p.ToString(CultureInfo.InvariantCulture))) + ",serviceName=" + ServiceName,
        ["DataTier:Redis:KeyPrefix"] = "dts:",
    };

    /// <inheritdoc />
    protected override async Task StartNodesAsync()
    {
        var ports = PortAllocator.Allocate(5);
        DataPorts = ports.Take(2).ToList();
        SentinelPorts = ports.Skip(2).ToList();
        string master = ports[0].ToString(CultureInfo.InvariantCulture);
        await Nodes.StartAsync(ports[0], "master", []);
        await Nodes.StartAsync(ports[1], "replica", ["--replicaof", "127.0.0.1", master]);
        for (int i = 0; i < 3; i++)
        {
            // Sentinels rewrite their configuration file, so each gets its own.
            string config = Path.Combine(Nodes.BaseDir, $"sentinel{i}.conf");
            await File.WriteAllTextAsync(config, $"sentinel monitor {ServiceName} 127.0.0.1 {master} 2\nsentinel down-after-milliseconds {ServiceName} 1000\nsentinel failover-timeout {ServiceName} 5000\n");
            await Nodes.StartAsync(ports[2 + i], "sentinel" + i, ["--sentinel"], config);
        }
    }

    /// <inheritdoc />
    protected override Task WaitHealthyAsync() =>
        LocalRedisNodes.WaitUntilAsync(async () =>
        {
            foreach (int sentinel in SentinelPorts)
            {
                string info = await Nodes.CliAsync(sentinel, "sentinel", "master", ServiceName);
                if (!info.Contains("num-slaves\n1", StringComparison.Ordinal) || !info.Contains("num-other-sentinels\n2", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return (await Nodes.CliAsync(DataPorts[1], "info", "replication")).Contains("master_link_status:up", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the sentinels to see the master, its replica and each other");
}
