using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// Wire writes that race a rebalancing move's write fence (SQLSTATE DTM01), set up by hand on s1 the way a move sets
/// it (a fenced <c>datatier_move.sources</c> row for every hash range, moving to s2, and the capture trigger): an
/// autocommit write waits inside DataTier and applies once when the fence lifts, as HTTP writes do; past
/// <c>FencedWriteWaitMs</c> the client gets the shard's DTM01; inside a transaction the refusal reaches the client.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class WireFencedWriteTests(ClusterFixture fixture)
{
    private const string Insert = "insert into activity_logs (team_id, user_id, action) values (@t, 1, @a)";

    [Fact(Timeout = 90_000)]
    public async Task An_extended_protocol_insert_waits_out_the_fence_and_applies_once_when_it_lifts()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "wire-fence-ext");
        string action = $"wire-fence-{Guid.NewGuid():N}";
        await using var fence = await HandSetFence.OnAsync(fixture);
        await using var connection = new NpgsqlConnection(wire.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Insert, connection);
        command.Parameters.AddWithValue("t", team);
        command.Parameters.AddWithValue("a", action);
        var pending = command.ExecuteNonQueryAsync();
        await Task.Delay(1500);
        Assert.False(pending.IsCompleted, "the write waits while the range is fenced");
        Assert.Equal(0, await CountAsync(action));
        await fence.LiftAsync();
        Assert.Equal(1, await pending.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(1, await CountAsync(action));
    }

    [Fact(Timeout = 90_000)]
    public async Task A_simple_query_insert_with_returning_waits_out_the_fence_and_answers_its_row_once()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "wire-fence-simple");
        string action = $"wire-fence-{Guid.NewGuid():N}";
        await using var fence = await HandSetFence.OnAsync(fixture);
        var psql = PostgresTools.RunAsync("psql", [wire.Url(), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c",
            $"insert into activity_logs (team_id, user_id, action) values ('{team}', 1, '{action}') returning action"], TimeSpan.FromSeconds(30));
        await Task.Delay(1500);
        Assert.False(psql.IsCompleted, "psql waits while the range is fenced");
        await fence.LiftAsync();
        var (code, stdout, stderr) = await psql;
        Assert.True(code == 0, stderr);
        // The refused attempts' answers were held back: the client sees one RowDescription, one row, one INSERT.
        Assert.Equal(action, stdout.Trim());
        Assert.Equal(1, await CountAsync(action));
    }

    [Fact(Timeout = 90_000)]
    public async Task A_write_fenced_for_longer_than_the_wait_gets_the_shards_DTM01_and_writes_nothing()
    {
        await using var wire = await WireServer.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:DataApi:FencedWriteWaitMs"] = "1000" });
        string team = fixture.KeyOnShard("s1", "wire-fence-timeout");
        string action = $"wire-fence-{Guid.NewGuid():N}";
        await using var fence = await HandSetFence.OnAsync(fixture);
        await using var connection = new NpgsqlConnection(wire.ConnectionString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Insert, connection);
        command.Parameters.AddWithValue("t", team);
        command.Parameters.AddWithValue("a", action);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal("DTM01", refused.SqlState);
        Assert.Equal(0, await CountAsync(action));
        // The connection is usable and idle afterwards.
        await using var probe = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, await probe.ExecuteScalarAsync());
    }

    [Fact(Timeout = 90_000)]
    public async Task A_write_refused_by_the_fence_inside_a_transaction_reaches_the_client_at_once()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        string team = fixture.KeyOnShard("s1", "wire-fence-tx");
        string action = $"wire-fence-{Guid.NewGuid():N}";
        await using var fence = await HandSetFence.OnAsync(fixture);
        await using var connection = new NpgsqlConnection(wire.ConnectionString());
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand(Insert, connection, tx);
        command.Parameters.AddWithValue("t", team);
        command.Parameters.AddWithValue("a", action);
        // Statements before it in the transaction may have run: sending it again alone would not be the same transaction.
        var refused = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("DTM01", refused.SqlState);
        await tx.RollbackAsync();
        Assert.Equal(0, await CountAsync(action));
    }

    private async Task<long> CountAsync(string action)
    {
        long count = 0;
        foreach (var shard in fixture.Manifest.Shards)
        {
            count += await Db.ScalarAsync<long>(shard.PrimaryAdmin, "select count(*) from activity_logs where action = @a", ("a", action));
        }

        return count;
    }

    /// <summary>A move's fence on s1 for every hash range, as a move sets it, removed on dispose.</summary>
    private sealed class HandSetFence : IAsyncDisposable
    {
        private readonly string _admin;
        private readonly long _moveId;
        private bool _lifted;

        private HandSetFence(string admin, long moveId)
        {
            _admin = admin;
            _moveId = moveId;
        }

        public static async Task<HandSetFence> OnAsync(ClusterFixture fixture)
        {
            var fence = new HandSetFence(fixture.Shard("s1").PrimaryAdmin, Random.Shared.NextInt64(1_000_000_000, 2_000_000_000));
            await Db.ExecuteAsync(fence._admin, "insert into datatier_move.sources (move_id, thresholds, targets, fenced, lock_key) values (@m, array[-9223372036854775808]::bigint[], array[null, 's2']::text[], true, @m)", ("m", fence._moveId));
            await Db.ExecuteAsync(fence._admin, "select datatier_move.install_capture('activity_logs', 'team_id')");
            return fence;
        }

        public async Task LiftAsync()
        {
            if (_lifted)
            {
                return;
            }

            _lifted = true;
            await Db.ExecuteAsync(_admin, "select datatier_move.remove_capture('activity_logs')");
            await Db.ExecuteAsync(_admin, "delete from datatier_move.sources where move_id = @m", ("m", _moveId));
            await Db.ExecuteAsync(_admin, "delete from datatier_move.changes where move_id = @m", ("m", _moveId));
        }

        public async ValueTask DisposeAsync() => await LiftAsync();
    }
}
