using System.Diagnostics;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Switchover;

/// <summary>
/// Promotes with <c>pg_promote(wait =&gt; false)</c> and then polls <c>pg_is_in_recovery()</c> every few
/// milliseconds: <c>pg_promote(wait =&gt; true)</c> checks only every 100 ms, and every one of those is write pause.
/// </summary>
internal sealed class PgPromotePromoter : IPromoter
{
    /// <inheritdoc />
    public string Name => PromoterNames.PgPromote;

    /// <inheritdoc />
    public async Task PromoteAsync(NodeDefinition target, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Pooling = false, Timeout = 5, ApplicationName = "datatier-switchover" };
        await using var conn = new NpgsqlConnection(builder.ConnectionString);
        await conn.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var promote = new NpgsqlCommand("select pg_promote(false)", conn);
            await promote.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new PromotionNotPermittedException(
                $"Role '{builder.Username}' may not call pg_promote() on {target.Endpoint}: run, as a superuser on the shard, GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO {builder.Username} (sql/roles.sql does).", ex);
        }

        long started = Stopwatch.GetTimestamp();
        await using var check = new NpgsqlCommand("select pg_is_in_recovery()", conn);
        while ((bool)(await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"{target.Endpoint} was still in recovery {timeout.TotalMilliseconds:0} ms after pg_promote(); raise DataTier:Switchover:PromoteTimeoutMs (currently {timeout.TotalMilliseconds:0}) if it is slow to promote.");
            }

            await Task.Delay(3, cancellationToken).ConfigureAwait(false);
        }
    }
}
