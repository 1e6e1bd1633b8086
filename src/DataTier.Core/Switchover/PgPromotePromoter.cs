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
        await using var conn = await RecoveryExit.OpenAsync(target, cancellationToken).ConfigureAwait(false);
        try
        {
            await using var promote = new NpgsqlCommand("select pg_promote(false)", conn);
            await promote.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            string role = new NpgsqlConnectionStringBuilder(target.ConnectionString).Username ?? "(none)";
            throw new PromotionNotPermittedException(
                $"Role '{role}' may not call pg_promote() on {target.Endpoint}: run, as a superuser on the shard, GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO {role} (sql/roles.sql does).", ex);
        }

        await RecoveryExit.WaitAsync(conn, target, "pg_promote()", Stopwatch.GetTimestamp(), timeout, cancellationToken).ConfigureAwait(false);
    }
}
