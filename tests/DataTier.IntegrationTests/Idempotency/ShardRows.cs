using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Idempotency;

/// <summary>What the shard primaries hold, read directly (as the admin role), never through DataTier.</summary>
internal static class ShardRows
{
    /// <summary>Every activity_logs row whose action starts with <paramref name="prefix"/>, on every primary: (shard, action, log_id).</summary>
    public static async Task<List<(string Shard, string Action, string LogId)>> ActivityAsync(ClusterFixture fixture, string prefix)
    {
        var rows = new List<(string, string, string)>();
        foreach (var shard in fixture.Manifest.Shards)
        {
            await using var connection = await Db.OpenAsync(shard.PrimaryAdmin);
            await using var command = new Npgsql.NpgsqlCommand("select action, log_id::text from activity_logs where starts_with(action, @p)", connection);
            command.Parameters.AddWithValue("p", prefix);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add((shard.Id, reader.GetString(0), reader.GetString(1)));
            }
        }

        return rows;
    }

    /// <summary>Recorded keys named <paramref name="key"/>, on every primary.</summary>
    public static async Task<long> KeysAsync(ClusterFixture fixture, string key)
    {
        long count = 0;
        foreach (var shard in fixture.Manifest.Shards)
        {
            count += await Db.ScalarAsync<long>(shard.PrimaryAdmin, "select count(*) from datatier_idempotency.keys where idempotency_key = @k", ("k", key));
        }

        return count;
    }
}
