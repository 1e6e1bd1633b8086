using DataTier.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataTier.IntegrationTests.Failover;

/// <summary>Looks for acknowledged inserts row by row on a shard's primary.</summary>
internal static class AcknowledgedRows
{
    /// <summary>The (team id, user id) pairs of <paramref name="acknowledged"/> that are not in <c>users</c> with that <c>email</c>.</summary>
    public static async Task<List<(string Key, long User)>> MissingAsync(string connectionString, string email, IReadOnlyCollection<(string Key, long User)> acknowledged)
    {
        var present = new HashSet<(string, long)>();
        await using var conn = await Db.OpenAsync(connectionString);
        await using var cmd = new NpgsqlCommand("select team_id, user_id from users where team_id = any(@k) and email = @e", conn);
        cmd.Parameters.AddWithValue("k", acknowledged.Select(w => w.Key).Distinct().ToArray());
        cmd.Parameters.AddWithValue("e", email);
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            present.Add((reader.GetString(0), reader.GetInt64(1)));
        }

        return acknowledged.Where(w => !present.Contains(w)).ToList();
    }
}
