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
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = Prefix("split");
        var teams = Enumerable.Range(0, 3000).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}")).ToList();
        try
        {
            var sql = new StringBuilder("insert into tasks (team_id, title, priority) values ");
            sql.AppendJoin(", ", teams.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"('{t}', 'row {i}', {i % 7})")));
            await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
            await using var command = source.CreateCommand(sql.ToString());

            Assert.Equal(3000, await command.ExecuteNonQueryAsync());
            await AssertPlacedOnRingAsync(teams, prefix);
        }
        finally
        {
            await DeleteAsync(prefix);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Parameterised_insert_across_shards_sends_each_shard_its_rows_parameters()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = Prefix("split-params");
        var teams = Enumerable.Range(0, 500).Select(i => string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}")).ToList();
        try
        {
            await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
            await using var command = source.CreateCommand(
                "insert into tasks (team_id, title) values " + string.Join(", ", teams.Select((_, i) => $"(${(2 * i) + 1}, ${(2 * i) + 2})")));
            foreach (string team in teams)
            {
                command.Parameters.Add(new NpgsqlParameter { Value = team });
                command.Parameters.Add(new NpgsqlParameter { Value = "title of " + team });
            }

            Assert.Equal(500, await command.ExecuteNonQueryAsync());
            await AssertPlacedOnRingAsync(teams, prefix);
            foreach (var shard in fixture.Manifest.Shards)
            {
                long mismatched = await Db.ScalarAsync<long>(shard.Primary, $"select count(*) from tasks where team_id like '{prefix}%' and title <> 'title of ' || team_id");
                Assert.Equal(0L, mismatched);
            }
        }
        finally
        {
            await DeleteAsync(prefix);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Insert_that_fails_on_one_shard_leaves_no_row_on_any_shard()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = Prefix("split-fail");
        string onS1 = KeyWithPrefixOn("s1", prefix);
        string onS2 = KeyWithPrefixOn("s2", prefix);
        try
        {
            await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
            // s2's two rows share a primary key: s2 refuses its part after s1's part succeeded.
            await using var command = source.CreateCommand(
                $"insert into tasks (team_id, task_id) values ('{onS1}', gen_random_uuid()), ('{onS2}', '00000000-0000-0000-0000-000000000001'), ('{onS2}', '00000000-0000-0000-0000-000000000001')");

            var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

            Assert.Equal("23505", error.SqlState);
            foreach (var shard in fixture.Manifest.Shards)
            {
                Assert.Equal(0L, await Db.ScalarAsync<long>(shard.Primary, $"select count(*) from tasks where team_id like '{prefix}%'"));
            }
        }
        finally
        {
            await DeleteAsync(prefix);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Insert_across_shards_inside_a_transaction_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = Prefix("split-tx");
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(
            $"insert into tasks (team_id) values ('{KeyWithPrefixOn("s1", prefix)}'), ('{KeyWithPrefixOn("s2", prefix)}')", connection, transaction);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("transaction", error.MessageText);
    }

    [Fact(Timeout = 60_000)]
    public async Task Insert_across_shards_with_returning_is_refused_with_0A000()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string prefix = Prefix("split-ret");
        await using var source = NpgsqlDataSource.Create(wire.ConnectionString());
        await using var command = source.CreateCommand(
            $"insert into tasks (team_id) values ('{KeyWithPrefixOn("s1", prefix)}'), ('{KeyWithPrefixOn("s2", prefix)}') returning task_id");

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        Assert.Equal("0A000", error.SqlState);
        Assert.Contains("RETURNING", error.MessageText);
        foreach (var shard in fixture.Manifest.Shards)
        {
            Assert.Equal(0L, await Db.ScalarAsync<long>(shard.Primary, $"select count(*) from tasks where team_id like '{prefix}%'"));
        }
    }

    private static string Prefix(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)] + "-";

    private string KeyWithPrefixOn(string shardId, string prefix)
    {
        for (int i = 0; ; i++)
        {
            string key = string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}");
            if (fixture.Ring.GetShard(key) == shardId)
            {
                return key;
            }
        }
    }

    /// <summary>Each shard's primary holds exactly the keys the ring gives it, each once.</summary>
    private async Task AssertPlacedOnRingAsync(List<string> teams, string prefix)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            var expected = teams.Where(t => fixture.Ring.GetShard(t) == shard.Id).ToHashSet();
            var onPrimary = await Db.StringsAsync(shard.Primary, $"select team_id from tasks where team_id like '{prefix}%'");
            Assert.NotEmpty(expected);
            Assert.Equal(onPrimary.Count, onPrimary.Distinct().Count());
            Assert.True(expected.SetEquals(onPrimary), $"{shard.Id}: {expected.Except(onPrimary).Count()} rows missing, {onPrimary.Except(expected).Count()} rows of other shards");
        }
    }

    private async Task DeleteAsync(string prefix)
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.Primary, $"delete from tasks where team_id like '{prefix}%'");
        }
    }
}
