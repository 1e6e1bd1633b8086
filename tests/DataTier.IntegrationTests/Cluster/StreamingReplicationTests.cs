using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Cluster;

[Collection(ClusterCollection.Name)]
public sealed class StreamingReplicationTests(ClusterFixture fixture)
{
    private static readonly TimeSpan ReplicationTimeout = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData("s1")]
    [InlineData("s2")]
    public async Task Row_written_on_a_primary_appears_on_its_replica(string shardId)
    {
        var shard = fixture.Shard(shardId);
        string teamId = fixture.KeyOnShard(shardId, "it-repl");
        await Db.ExecuteAsync(shard.Primary, "INSERT INTO teams (team_id, name) VALUES (@id, 'replication test')", ("id", teamId));
        try
        {
            await Db.WaitUntilAsync(
                async () => await Db.ScalarAsync<long>(shard.Replicas[0], "SELECT count(*) FROM teams WHERE team_id = @id", ("id", teamId)) == 1,
                ReplicationTimeout,
                $"the row written on {shardId}'s primary to reach its replica");
        }
        finally
        {
            await Db.ExecuteAsync(shard.Primary, "DELETE FROM teams WHERE team_id = @id", ("id", teamId));
        }
    }

    [Fact]
    public async Task Replicas_are_read_only_standbys_streaming_from_their_primary_through_a_slot()
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            Assert.False(await Db.ScalarAsync<bool>(shard.Primary, "SELECT pg_is_in_recovery()"));
            Assert.True(await Db.ScalarAsync<bool>(shard.Replicas[0], "SELECT pg_is_in_recovery()"));

            string replicaId = LocalCluster.ReplicaNodeId(shard.Id, 1);
            var streaming = await Db.StringsAsync(shard.PrimaryAdmin, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'");
            Assert.Contains(replicaId, streaming);
            var activeSlots = await Db.StringsAsync(shard.PrimaryAdmin, "SELECT slot_name::text FROM pg_replication_slots WHERE slot_type = 'physical' AND active");
            Assert.Contains($"{shard.Id}_replica1", activeSlots);

            var error = await Assert.ThrowsAsync<PostgresException>(() =>
                Db.ExecuteAsync(shard.Replicas[0], "INSERT INTO teams (team_id, name) VALUES ('never', 'never')"));
            Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
        }
    }

    [Fact]
    public async Task Replica_stopped_by_the_handle_restarts_and_catches_up_with_writes_made_meanwhile()
    {
        var shard = fixture.Shard("s1");
        string replicaId = LocalCluster.ReplicaNodeId("s1", 1);
        string teamId = fixture.KeyOnShard("s1", "it-restart");
        await fixture.Cluster.StopNodeAsync(replicaId, immediate: true);
        try
        {
            Assert.False(fixture.Cluster.IsNodeRunning(replicaId));
            var noPool = new NpgsqlConnectionStringBuilder(shard.Replicas[0]) { Pooling = false, Timeout = 2 }.ConnectionString;
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => Db.ScalarAsync<int>(noPool, "SELECT 1"));

            await Db.ExecuteAsync(shard.Primary, "INSERT INTO teams (team_id, name) VALUES (@id, 'written while the replica was down')", ("id", teamId));
        }
        finally
        {
            await fixture.Cluster.StartNodeAsync(replicaId);
        }

        try
        {
            Assert.True(fixture.Cluster.IsNodeRunning(replicaId));
            NpgsqlConnection.ClearAllPools();
            await Db.WaitUntilAsync(
                async () => await Db.ScalarAsync<long>(shard.Replicas[0], "SELECT count(*) FROM teams WHERE team_id = @id", ("id", teamId)) == 1,
                ReplicationTimeout,
                "the restarted replica to replay the write made while it was down");
        }
        finally
        {
            await Db.ExecuteAsync(shard.Primary, "DELETE FROM teams WHERE team_id = @id", ("id", teamId));
        }
    }
}
