using System.Collections.Concurrent;
using Npgsql;

namespace DataTier.IntegrationTests.Failover;

/// <summary>
/// Clients of the PostgreSQL wire front end looping over inserts and reads of the given keys until stopped. Every
/// statement is recorded with its outcome, and every insert with its key and user id, so that the acknowledged ones
/// can be looked for row by row afterwards. A failed statement is recorded with its SQLSTATE (or exception type) and
/// the loop goes on with a new connection from the pool.
/// </summary>
internal sealed class WireLoad(string connectionString, IReadOnlyList<(string Shard, string Key)> keys, long firstUser)
{
    /// <summary>The <c>email</c> of every row this load inserts.</summary>
    public const string Marker = "wire-ha";

    private readonly ConcurrentQueue<Statement> _statements = new();
    private long _nextUser = firstUser;

    public IReadOnlyCollection<Statement> Statements => _statements;

    public async Task RunAsync(int workers, CancellationToken stop)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(200 + w);
            while (!stop.IsCancellationRequested)
            {
                var (shard, key) = keys[random.Next(keys.Count)];
                bool write = random.Next(2) == 0;
                long user = write ? Interlocked.Increment(ref _nextUser) : 0;
                try
                {
                    await using var connection = await source.OpenConnectionAsync(stop);
                    await using var command = write
                        ? new NpgsqlCommand($"insert into users (team_id, user_id, email) values ($1, $2, '{Marker}')", connection) { Parameters = { new() { Value = key }, new() { Value = user } } }
                        : new NpgsqlCommand("select count(*) from users where team_id = $1", connection) { Parameters = { new() { Value = key } } };
                    await command.ExecuteScalarAsync(stop);
                    _statements.Enqueue(new Statement(shard, key, user, write, true, null, DateTime.UtcNow));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
                {
                    _statements.Enqueue(new Statement(shard, key, user, write, false, (e as PostgresException)?.SqlState ?? e.GetType().Name, DateTime.UtcNow));
                }
            }
        })));
    }

    /// <param name="Shard">The key's shard.</param>
    /// <param name="Key">The team id.</param>
    /// <param name="User">The inserted user id (0 for a read).</param>
    /// <param name="Write">An insert, else a read.</param>
    /// <param name="Ok">Acknowledged (the insert's command completed).</param>
    /// <param name="SqlState">Why it failed.</param>
    /// <param name="At">When the answer (or the error) came.</param>
    internal sealed record Statement(string Shard, string Key, long User, bool Write, bool Ok, string? SqlState, DateTime At);
}
