using DataTier.DevCluster;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>
/// Lets a shard's replicas replay everything its primary has written and take a restartpoint. A replica that crashes
/// replays WAL from its last restartpoint on start, and the commits it replays carry old timestamps, so until it has
/// caught up its lag looks large: a test that crashes a replica settles it first, so how long it takes to come back
/// depends on the test and not on how much WAL earlier tests happened to write.
/// </summary>
public static class ReplicaRestartpoint
{
    /// <summary>Waits for the shard's replicas to replay the primary's current LSN, then checkpoints each.</summary>
    public static async Task TakeAsync(ClusterFixture fixture, string shardId)
    {
        var nodes = fixture.Cluster.Nodes.Where(n => n.ShardId == shardId).ToList();
        var primary = nodes.Single(n => n.Role == ClusterNodeRole.Primary);
        long lsn = await Db.ScalarAsync<long>(primary.SuperuserConnectionString, "select (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8");
        foreach (var replica in nodes.Where(n => n.Role == ClusterNodeRole.Replica))
        {
            await Db.WaitUntilAsync(async () => await Db.ScalarAsync<long>(replica.SuperuserConnectionString,
                "select (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::int8") >= lsn, TimeSpan.FromSeconds(60), $"{replica.Id} replayed its primary's WAL");
            await Db.ExecuteAsync(replica.SuperuserConnectionString, "CHECKPOINT");
        }
    }
}
