using System.Net;
using DataTier.Core.Topology;
using DataTier.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DataTier.IntegrationTests.Failover;

/// <summary>What the failover tests share: their load's keys, where an instance routes s1's writes, and the outage the load saw.</summary>
internal static class FailoverScenario
{
    /// <summary>Faster probes than the default, so that a test sees a failover within seconds.</summary>
    public static Dictionary<string, string?> FastProbes(bool catalogStore)
    {
        var values = new Dictionary<string, string?>
        {
            ["DataTier:Health:ProbeIntervalMs"] = "250",
            ["DataTier:Health:ProbeTimeoutMs"] = "500",
        };
        if (catalogStore)
        {
            values["DataTier:Topology:Store"] = "Catalog";
        }

        return values;
    }

    /// <summary>Four fresh keys on every shard, unique to <paramref name="prefix"/> (one load per prefix: user ids are per load).</summary>
    public static List<(string Shard, string Key)> Keys(ClusterFixture cluster, string prefix) =>
        cluster.Manifest.Shards.SelectMany(s => Enumerable.Range(0, 4).Select(i => (s.Id, cluster.KeyOnShard(s.Id, $"{prefix}{i}")))).ToList();

    /// <summary>The endpoint (host:port/database) an instance sends s1's writes to now.</summary>
    public static string PrimaryEndpoint(DataTierServer server) =>
        server.Services.GetRequiredService<ITopologyProvider>().Current.ShardsById["s1"].Primary.Endpoint;

    /// <summary>
    /// The first failed s1 write after the kill, and the first successful one that started after it. Backends of a
    /// SIGKILLed postmaster finish what they are doing before they notice, so the outage starts at the first failed
    /// write; the first write to succeed after it is the first one the promoted primary took.
    /// </summary>
    public static (DateTime OutageStart, TimeSpan FirstWriteAfterKill) Outage(IEnumerable<LoadRunner.Sample> samples, DateTime killedAt)
    {
        var s1Writes = samples.Where(s => s.Shard == "s1" && s.Write).ToList();
        var outageStart = s1Writes.Where(s => s.Status != HttpStatusCode.OK && s.At > killedAt).MinBy(s => s.At);
        Assert.NotNull(outageStart);
        var firstWrite = s1Writes.Where(s => s.Status == HttpStatusCode.OK && s.At - TimeSpan.FromMilliseconds(s.ElapsedMs) > outageStart.At).MinBy(s => s.At);
        Assert.NotNull(firstWrite);
        return (outageStart.At, firstWrite.At - killedAt);
    }
}
