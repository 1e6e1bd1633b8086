using System.Diagnostics;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Switchover;

/// <summary>
/// Waits for a promoted standby to leave recovery, polling <c>pg_is_in_recovery()</c> every few milliseconds on a
/// connection opened before the promotion was asked for: every millisecond here is write pause.
/// </summary>
internal static class RecoveryExit
{
    /// <summary>Opens the connection the wait polls on, to the target as itself (its own connection string).</summary>
    public static async Task<NpgsqlConnection> OpenAsync(NodeDefinition target, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false, Timeout = 5, ApplicationName = "datatier-switchover" };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Returns once <paramref name="conn"/>'s server is out of recovery; throws <see cref="TimeoutException"/> when
    /// <paramref name="timeout"/> has passed since <paramref name="started"/> (a <see cref="Stopwatch"/> timestamp).
    /// </summary>
    public static async Task WaitAsync(NpgsqlConnection conn, NodeDefinition target, string promotedBy, long started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var check = new NpgsqlCommand("select pg_is_in_recovery()", conn);
        while ((bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"{target.Endpoint} was still in recovery {timeout.TotalMilliseconds:0} ms after {promotedBy}; raise DataTier:Switchover:PromoteTimeoutMs (currently {timeout.TotalMilliseconds:0}) if it is slow to promote.");
            }

            await Task.Delay(3, cancellationToken).ConfigureAwait(false);
        }
    }
}
