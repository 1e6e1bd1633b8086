using System.Text.RegularExpressions;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Advice;

/// <summary>
/// One connection to a shard primary on which the advisor plans statements, with and without hypothetical indexes
/// (hypopg keeps them in the backend's memory, so everything happens on this one connection). Statements are planned
/// as generic plans, PREPARE with <c>plan_cache_mode = force_generic_plan</c>, because PostgreSQL 15 has no
/// <c>EXPLAIN (GENERIC_PLAN)</c> and the workload's texts carry <c>$n</c> placeholders, not values.
/// </summary>
public sealed partial class PlanningSession : IAsyncDisposable
{
    private readonly NodeConnection _lease;
    private int _sequence;

    private PlanningSession(NodeConnection lease) => _lease = lease;

    /// <summary>Opens a session on <paramref name="node"/>.</summary>
    public static async Task<PlanningSession> OpenAsync(NodeDataSources sources, NodeDefinition node, int statementTimeoutMs, CancellationToken cancellationToken)
    {
        var lease = await sources.OpenAsync(node, cancellationToken).ConfigureAwait(false);
        var session = new PlanningSession(lease);
        try
        {
            await session.RunAsync($"SET plan_cache_mode = force_generic_plan; SET statement_timeout = {statementTimeoutMs}; SELECT hypopg_reset()", cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return session;
    }

    /// <summary>The generic plan of <paramref name="sql"/> as JSON, or an error message when it cannot be planned.</summary>
    public async Task<(string? Plan, string? Error)> ExplainAsync(string sql, CancellationToken cancellationToken)
    {
        int parameters = Placeholder().Matches(sql).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        string name = $"dt_advise_{++_sequence}";
        try
        {
            await RunAsync($"PREPARE {name} AS {sql}", cancellationToken).ConfigureAwait(false);
            string args = parameters == 0 ? "" : "(" + string.Join(", ", Enumerable.Repeat("NULL", parameters)) + ")";
            await using var explain = new NpgsqlCommand($"EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE {name}{args}", _lease.Connection);
            return ((string)(await explain.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, null);
        }
        catch (PostgresException e)
        {
            return (null, $"{e.SqlState}: {e.MessageText}");
        }
        finally
        {
            await RunAsync($"DEALLOCATE ALL", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates a hypothetical index; returns its estimated size in bytes.</summary>
    public async Task<long> CreateHypotheticalAsync(CandidateIndex candidate, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand("SELECT hypopg_relation_size(indexrelid) FROM hypopg_create_index(@sql)", _lease.Connection);
        cmd.Parameters.AddWithValue("sql", candidate.HypotheticalSql);
        return (long)(await cmd.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Removes every hypothetical index of the session.</summary>
    public Task ResetHypotheticalAsync(CancellationToken cancellationToken) => RunAsync("SELECT hypopg_reset()", cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            // The connection goes back to the pool: leave nothing of the session on it.
            await RunAsync("SELECT hypopg_reset(); DEALLOCATE ALL; RESET plan_cache_mode; RESET statement_timeout", CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // A broken connection is discarded by the pool anyway.
        }

        await _lease.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunAsync(string sql, CancellationToken cancellationToken)
    {
        await using var cmd = new NpgsqlCommand(sql, _lease.Connection);
        await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();
}
