using StackExchange.Redis;

namespace DataTier.Core.Caching;

/// <summary>
/// Where table versions and their invalidation feed live in Redis.
/// <para>
/// One Redis: a version is the hash <c>{prefix}tv:{shard}:{table}</c> and every bump and heartbeat goes through the
/// one channel <c>{prefix}invalidate</c> (plain PUBLISH).
/// </para>
/// <para>
/// A Redis Cluster: a plain PUBLISH is broadcast over the cluster bus, so a heartbeat published on one node can
/// overtake a bump published on another, and a heartbeat coming back would no longer prove the bumps before it
/// arrived. Instead the (shard, table) pairs are spread over <see cref="ClusterPartitions"/> feed partitions; a
/// version is <c>{prefix}{fN}:tv:{shard}:{table}</c> and its partition's sharded channel is
/// <c>{prefix}{fN}:invalidate</c>. The hash tag <c>{fN}</c> puts both in one slot, so the bump script (one key, one
/// SPUBLISH) runs on the node that owns them, and the heartbeat for partition N is SPUBLISHed to that same node:
/// one node, one thread, one order, exactly the single-Redis argument, once per partition.
/// </para>
/// </summary>
internal sealed class FeedLayout
{
    /// <summary>
    /// Feed partitions on a cluster: enough to spread versions over a few masters (16 tags land on different slots),
    /// few enough that a heartbeat round (one SPUBLISH per partition) stays cheap.
    /// </summary>
    public const int ClusterPartitions = 16;

    private readonly string[] _tags;

    public FeedLayout(string prefix, bool cluster)
    {
        IsCluster = cluster;
        if (cluster)
        {
            _tags = new string[ClusterPartitions];
            Channels = new RedisChannel[ClusterPartitions];
            for (int i = 0; i < ClusterPartitions; i++)
            {
                _tags[i] = prefix + "{f" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}:";
                Channels[i] = RedisChannel.Sharded(_tags[i] + "invalidate");
            }
        }
        else
        {
            _tags = [prefix];
            Channels = [RedisChannel.Literal(prefix + "invalidate")];
        }
    }

    /// <summary>Whether the layout is the cluster one (sharded channels, tagged keys).</summary>
    public bool IsCluster { get; }

    /// <summary>The feed's channels, one per partition (one in all on a single Redis).</summary>
    public RedisChannel[] Channels { get; }

    /// <summary>
    /// The pair's partition: a stable hash (FNV-1a over both names), the same in every process and every version of
    /// DataTier, since instances must agree on it. Always 0 on a single Redis.
    /// </summary>
    public int Partition(string shard, string table)
    {
        if (!IsCluster)
        {
            return 0;
        }

        uint hash = 2166136261;
        foreach (char c in shard)
        {
            hash = (hash ^ c) * 16777619;
        }

        hash = (hash ^ '\0') * 16777619;
        foreach (char c in table)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash % ClusterPartitions);
    }

    /// <summary>The Redis key of the pair's version, in <paramref name="partition"/>.</summary>
    public RedisKey VersionKey(int partition, string shard, string table) => _tags[partition] + "tv:" + shard + ":" + table;
}
