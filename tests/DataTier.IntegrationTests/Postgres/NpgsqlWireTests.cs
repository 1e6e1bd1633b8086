using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>Npgsql against the wire front end, used exactly as applications use it: a data source from a connection string.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NpgsqlWireTests(ClusterFixture fixture)
{
    [Fact(Timeout = 60_000)]
    public async Task Keyed_count_equals_the_owner_shards_count()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = source.CreateCommand("select count(*) from tasks where team_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = "team-42" });
        long viaWire = (long)(await command.ExecuteScalarAsync())!;

        string owner = fixture.Ring.GetShard("team-42");
        long direct = await Db.ScalarAsync<long>(fixture.Shard(owner).Primary, "select count(*) from tasks where team_id = 'team-42'");
        Assert.Equal(direct, viaWire);
        Assert.True(direct > 0);
    }
}
