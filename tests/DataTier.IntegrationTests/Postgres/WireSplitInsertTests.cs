using System.Globalization;
using System.Text;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>A multi-row INSERT whose rows belong to several shards, split by shard on the wire (docs/cross-shard.md, "Writes across shards").</summary>
[Collection(ClusterCollection.Name)]
public sealed class WireSplitInsertTests(ClusterFixture fixture)
{
    [Fact(Timeout = 120_000)]
    public async Task Insert_of_3000_rows_spanning_every_shard_puts_each_row_on_its_rings_shard()
    {
        string prefix = WirePlacement.Prefix("split");
        var teams = WirePlacement.Keys(prefix, 3000);
        var sql = new StringBuilder("insert into tasks (team_id, title, priority) values ");
        sql.AppendJoin(", ", teams.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"('{t}', 'row {i}', {i % 7})")));

        try
        {
            await InsertAndCheckAsync(prefix, teams, command => command.CommandText = sql.ToString());
        }
        finally
        {
            await WirePlacement.DeleteAsync(fixture, prefix);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Parameterised_insert_across_shards_sends_each_shard_its_rows_parameters()
    {
        string prefix = WirePlacement.Prefix("split-params");
        var teams = WirePlacement.Keys(prefix, 500);

        try
        {
            await InsertAndCheckAsync(prefix, teams, command =>
            {
                command.CommandText = "insert into tasks (team_id, title) values " + string.Join(", ", teams.Select((_, i) => $"(${(2 * i) + 1}, ${(2 * i) + 2})"));
                foreach (string team in teams)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = team });
                    command.Parameters.Add(new NpgsqlParameter { Value = "title of " + team });
                }
            });
            foreach (var shard in fixture.Manifest.Shards)
            {
                Assert.Equal(0L, await Db.ScalarAsync<long>(shard.Primary, $"select count(*) from tasks where team_id like '{prefix}%' and title <> 'title of ' || team_id"));
            }
        }
        finally
        {
            await WirePlacement.DeleteAsync(fixture, prefix);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Insert_that_fails_on_one_shard_leaves_no_row_on_any_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = WirePlacement.Prefix("split-fail");
        string onS1 = WirePlacement.KeyOn(fixture, "s1", prefix);
        string onS2 = WirePlacement.KeyOn(fixture, "s2", prefix);
        try
        {
            await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
            // s2's two rows share a primary key: s2 refuses its part while s1's part succeeds.
            await using var command = source.CreateCommand(
                $"insert into tasks (team_id, task_id) values ('{onS1}', gen_random_uuid()), ('{onS2}', '00000000-0000-0000-0000-000000000001'), ('{onS2}', '00000000-0000-0000-0000-000000000001')");

            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

            Assert.Equal("23505", error.SqlState);
            await WirePlacement.AssertNoneAsync(fixture, prefix);
        }
        finally
        {
            await WirePlacement.DeleteAsync(fixture, prefix);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Insert_across_shards_inside_a_transaction_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = WirePlacement.Prefix("split-tx");
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            $"insert into tasks (team_id) values ('{WirePlacement.KeyOn(fixture, "s1", prefix)}'), ('{WirePlacement.KeyOn(fixture, "s2", prefix)}')", connection, transaction);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("transaction", error.MessageText);
    }

    [Fact(Timeout = 60_000)]
    public async Task Insert_across_shards_with_returning_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = WirePlacement.Prefix("split-ret");
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = source.CreateCommand(
            $"insert into tasks (team_id) values ('{WirePlacement.KeyOn(fixture, "s1", prefix)}'), ('{WirePlacement.KeyOn(fixture, "s2", prefix)}') returning task_id");

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("RETURNING", error.MessageText);
        await WirePlacement.AssertNoneAsync(fixture, prefix);
    }

    /// <summary>Runs the INSERT <paramref name="build"/> makes through the wire: its tag counts every row, each on its ring shard.</summary>
    private async Task InsertAndCheckAsync(string prefix, List<string> teams, Action<NpgsqlCommand> build)
    {
        await using var wire = await WireServer.StartAsync(fixture);
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = source.CreateCommand();
        build(command);

        Assert.Equal(teams.Count, await command.ExecuteNonQueryAsync());
        await WirePlacement.AssertOnRingAsync(fixture, teams, prefix);
    }
}
