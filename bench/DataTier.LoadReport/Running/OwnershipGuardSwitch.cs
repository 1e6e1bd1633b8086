using Npgsql;

namespace DataTier.LoadReport.Running;

/// <summary>
/// Turns the comparison shard's ownership guard (the <c>datatier_guard</c> trigger on <c>activity_logs</c>, the table
/// the write scenarios insert into) off for one scenario and on again, so that one run measures writes with and
/// without it. Needs the table owner's login (<c>datatier_admin</c>): <c>DATATIER_BENCH_ADMIN_PASSWORD</c>.
/// </summary>
internal sealed class OwnershipGuardSwitch : IAsyncDisposable
{
    private const string Table = "activity_logs";

    private readonly string _connectionString;

    private OwnershipGuardSwitch(string connectionString) => _connectionString = connectionString;

    /// <summary>Disables the guard on the shard whose app connection string is <paramref name="primary"/>.</summary>
    public static async Task<OwnershipGuardSwitch> DisableAsync(string primary, CancellationToken ct)
    {
        string password = Environment.GetEnvironmentVariable("DATATIER_BENCH_ADMIN_PASSWORD") is { Length: > 0 } p
            ? p
            : throw new InvalidOperationException("DATATIER_BENCH_ADMIN_PASSWORD is not set: the unguarded write scenarios need the shard owner's login (bench/run sets it).");
        var builder = new NpgsqlConnectionStringBuilder(primary) { Username = "datatier_admin", Password = password, Pooling = false, Timeout = 10 };
        var guard = new OwnershipGuardSwitch(builder.ConnectionString);
        await guard.SetAsync(enabled: false, ct).ConfigureAwait(false);
        return guard;
    }

    public async ValueTask DisposeAsync()
    {
        // Never leave a shard unguarded, whatever happened to the scenario.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await SetAsync(enabled: true, timeout.Token).ConfigureAwait(false);
    }

    private async Task SetAsync(bool enabled, CancellationToken ct)
    {
        await using var conn = new NpgsqlConnection(_connectionString);
        await conn.OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand($"alter table {Table} {(enabled ? "enable" : "disable")} trigger datatier_guard", conn) { CommandTimeout = 20 };
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
