using System.Diagnostics;
using System.Globalization;
using DataTier.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace DataTier.IntegrationTests.CrossShard;

/// <summary>
/// Cross-shard reads through the wire hold what the merge needs, not the answer: a deep OFFSET and a million-row merge
/// are streamed from the shards to the client. Measured on a DataTier server in a process of its own (its RSS alone),
/// over 1,000,000 rows of activity_logs split between the two shards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossShardMemoryTests(ClusterFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const int RowsPerShard = 500_000;
    private readonly string _marker = "xsmem-" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        // Each shard's rows carry a team the shard owns (the demo placed them by the ring), so ownership stays true.
        await Task.WhenAll(fixture.Manifest.Shards.Select(shard => Db.ExecuteAsync(
            shard.PrimaryAdmin,
            """
            insert into activity_logs (team_id, log_id, user_id, action, details, created_at)
            select (select team_id from tasks order by team_id limit 1), gen_random_uuid(), g % 1000, @a,
                   jsonb_build_object('seq', g, 'source', 'memory-test'), timestamptz '2026-01-01' + g * interval '17 seconds'
            from generate_series(1, @n) g
            """,
            ("a", _marker), ("n", RowsPerShard))));
    }

    public async Task DisposeAsync()
    {
        foreach (var shard in fixture.Manifest.Shards)
        {
            await Db.ExecuteAsync(shard.PrimaryAdmin, "delete from activity_logs where action = @a", ("a", _marker));
            await Db.ExecuteAsync(shard.PrimaryAdmin, "vacuum activity_logs");
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task A_deep_offset_across_shards_grows_the_servers_memory_by_less_than_50_MB()
    {
        await using var server = await StartAsync();
        await using var connection = await Db.OpenAsync(ConnectionString(server));
        await Db.CountRowsAsync(connection, "select * from activity_logs order by created_at limit 10 offset 10");
        long before = Rss(server);

        var (rows, peak) = await MeasureAsync(server, () => Db.CountRowsAsync(connection, "select * from activity_logs order by created_at limit 10 offset 100000"));

        output.WriteLine($"RSS {before / 1048576} MB before, peak {peak / 1048576} MB while merging past 100,000 rows: +{(peak - before) / 1048576} MB");
        Assert.Equal(10, rows);
        Assert.True(peak - before < 50L * 1048576, $"RSS grew by {(peak - before) / 1048576} MB");
    }

    [Fact(Timeout = 240_000)]
    public async Task A_million_row_ordered_read_across_shards_streams_within_the_500_MB_budget()
    {
        await using var server = await StartAsync();
        await using var connection = await Db.OpenAsync(ConnectionString(server));
        await Db.CountRowsAsync(connection, $"select * from activity_logs where action = '{_marker}' order by created_at limit 10");

        var (rows, peak) = await MeasureAsync(server, () => Db.CountRowsAsync(connection, $"select * from activity_logs where action = '{_marker}' order by created_at"));

        output.WriteLine($"{rows} rows merged and streamed; peak RSS {peak / 1048576} MB");
        Assert.Equal(2L * RowsPerShard, rows);
        Assert.True(peak < 500L * 1048576, $"peak RSS {peak / 1048576} MB");
    }

    private int _wirePort;

    private async Task<ServerProcessHandle> StartAsync()
    {
        _wirePort = ServerProcessHandle.FreePort();
        return await ServerProcessHandle.StartAsync(fixture, new Dictionary<string, string?> { ["DataTier:Postgres:Port"] = _wirePort.ToString(CultureInfo.InvariantCulture) });
    }

    private string ConnectionString(ServerProcessHandle server) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = _wirePort,
        Username = "app",
        Password = fixture.Manifest.Keys.App,
        Database = "datatier",
        Timeout = 30,
        CommandTimeout = 180,
        Pooling = false,
    }.ConnectionString;

    /// <summary>Runs <paramref name="read"/> while sampling the server's RSS every 10 ms.</summary>
    private static async Task<(long Rows, long PeakRss)> MeasureAsync(ServerProcessHandle server, Func<Task<long>> read)
    {
        long peak = Rss(server);
        using var stop = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(server));
                await Task.Delay(10);
            }
        });
        long rows = await read();
        stop.Cancel();
        await sampling;
        return (rows, Math.Max(peak, Rss(server)));
    }

    private static long Rss(ServerProcessHandle server)
    {
        using var process = Process.GetProcessById(server.ProcessId);
        return process.WorkingSet64;
    }
}
