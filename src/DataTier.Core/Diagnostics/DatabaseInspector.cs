using System.Text.RegularExpressions;
using DataTier.Core.Health;
using DataTier.Core.Nodes;
using DataTier.Core.Sql;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// Reads what PostgreSQL knows about the workload and its own health from every node: pg_stat_statements,
/// pg_stat_database, pg_stat_user_tables/indexes, pg_stat_activity, and plans.
/// </summary>
public sealed partial class DatabaseInspector
{
    private const int TimeoutMs = 5000;
    private readonly ITopologyProvider _topology;
    private readonly NodeDataSources _dataSources;
    private readonly NodeHealthMonitor _health;

    /// <summary>Creates the inspector.</summary>
    public DatabaseInspector(ITopologyProvider topology, NodeDataSources dataSources, NodeHealthMonitor health)
    {
        _topology = topology;
        _dataSources = dataSources;
        _health = health;
    }

    /// <summary>The reachable nodes of the current topology.</summary>
    public IReadOnlyList<NodeDefinition> ReachableNodes() =>
        _topology.Current.Shards.SelectMany(s => s.Nodes).Where(n => _health.Get(n).Reachable).ToList();

    /// <summary>pg_stat_statements of every reachable node, each row fingerprinted like DataTier's own statements.</summary>
    public async Task<IReadOnlyList<PostgresStatement>> StatementsAsync(CancellationToken cancellationToken)
    {
        const string sql =
            """
            select queryid, query, calls, total_exec_time, mean_exec_time, stddev_exec_time, rows,
                   shared_blks_hit, shared_blks_read, temp_blks_read + temp_blks_written
            from pg_stat_statements
            where dbid = (select oid from pg_database where datname = current_database()) and calls > 0
            """;
        var perNode = await Task.WhenAll(ReachableNodes().Select(async node =>
        {
            var rows = new List<PostgresStatement>();
            await QueryAsync(node, sql, reader =>
            {
                string query = reader.GetString(1);
                rows.Add(new PostgresStatement(node.Id, node.ShardId, reader.GetInt64(0), query, FingerprintOf(query),
                    reader.GetInt64(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetInt64(6),
                    reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)));
            }, cancellationToken).ConfigureAwait(false);
            return rows;
        })).ConfigureAwait(false);
        return perNode.SelectMany(r => r).ToList();
    }

    /// <summary>
    /// DataTier's fingerprint of a pg_stat_statements text (its constants are $n placeholders), or null for statements
    /// DataTier would not run (utility statements, its own transaction control).
    /// </summary>
    public static string? FingerprintOf(string normalizedQuery)
    {
        try
        {
            return SqlParser.Parse(Placeholder().Replace(normalizedQuery, "@p$1")).Fingerprint;
        }
        catch (SqlRejectedException)
        {
            return null;
        }
    }

    /// <summary>
    /// The generic plan of a statement (as sent: $n placeholders) on a node, from PREPARE with
    /// plan_cache_mode = force_generic_plan, since PostgreSQL 15 has no EXPLAIN (GENERIC_PLAN).
    /// </summary>
    public async Task<string> GenericPlanAsync(NodeDefinition node, string sql, int parameterCount, CancellationToken cancellationToken)
    {
        await using var lease = await _dataSources.OpenAsync(node, cancellationToken).ConfigureAwait(false);
        var connection = lease.Connection;
        string name = "dt_plan_" + Guid.NewGuid().ToString("N")[..12];
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var setup = new NpgsqlCommand($"SET LOCAL statement_timeout = {TimeoutMs}; SET LOCAL plan_cache_mode = force_generic_plan; SET TRANSACTION READ ONLY;", connection, tx))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // The statement text came from DataTier's own digest (a validated SELECT/INSERT/UPDATE/DELETE).
        await using (var prepare = new NpgsqlCommand($"PREPARE {name} AS {sql}", connection, tx))
        {
            await prepare.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        string args = parameterCount == 0 ? "" : "(" + string.Join(", ", Enumerable.Repeat("NULL", parameterCount)) + ")";
        await using var explain = new NpgsqlCommand($"EXPLAIN (FORMAT JSON) EXECUTE {name}{args}", connection, tx);
        string plan = (string)(await explain.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await tx.RollbackAsync(cancellationToken).ConfigureAwait(false);
        return plan;
    }

    /// <summary>Sequential scans on large tables, unused indexes, dead rows and long-running work on one node.</summary>
    public async Task<NodeFindings> FindingsAsync(NodeDefinition node, CancellationToken cancellationToken)
    {
        var seq = new List<SeqScanTable>();
        await QueryAsync(node,
            """
            select relname, seq_scan, seq_tup_read, coalesce(idx_scan, 0), n_live_tup from pg_stat_user_tables
            where n_live_tup >= 10000 and seq_scan > 0 order by seq_tup_read desc limit 20
            """,
            r => seq.Add(new SeqScanTable(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4))), cancellationToken).ConfigureAwait(false);
        var unused = new List<UnusedIndex>();
        await QueryAsync(node,
            """
            select s.relname, s.indexrelname, s.idx_scan, pg_relation_size(s.indexrelid) from pg_stat_user_indexes s
            join pg_index i on i.indexrelid = s.indexrelid
            where s.idx_scan = 0 and not i.indisunique and not i.indisprimary order by pg_relation_size(s.indexrelid) desc
            """,
            r => unused.Add(new UnusedIndex(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3))), cancellationToken).ConfigureAwait(false);
        var bloat = new List<TableBloat>();
        await QueryAsync(node,
            """
            select relname, n_dead_tup, n_live_tup, round(n_dead_tup::numeric / nullif(n_live_tup + n_dead_tup, 0), 4)::float8
            from pg_stat_user_tables where n_dead_tup >= 1000 order by n_dead_tup desc limit 20
            """,
            r => bloat.Add(new TableBloat(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? 0 : r.GetDouble(3))), cancellationToken).ConfigureAwait(false);
        var running = new List<LongRunning>();
        await QueryAsync(node,
            """
            select pid, state, coalesce(extract(epoch from now() - query_start), 0)::float8, coalesce(extract(epoch from now() - xact_start), 0)::float8,
                   wait_event_type, left(query, 300)
            from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and backend_type = 'client backend'
              and (now() - query_start > interval '5 seconds' or now() - xact_start > interval '30 seconds' or wait_event_type = 'Lock')
            order by query_start limit 50
            """,
            r => running.Add(new LongRunning(r.GetInt32(0), r.IsDBNull(1) ? "" : r.GetString(1), r.GetDouble(2), r.GetDouble(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? "" : r.GetString(5))),
            cancellationToken).ConfigureAwait(false);
        return new NodeFindings(seq, unused, bloat, running);
    }

    /// <summary>Runs a query on a node and hands each row to <paramref name="read"/>.</summary>
    public async Task QueryAsync(NodeDefinition node, string sql, Action<NpgsqlDataReader> read, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeoutMs);
        await using var lease = await _dataSources.OpenAsync(node, deadline.Token).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, lease.Connection);
        await using var reader = await cmd.ExecuteReaderAsync(deadline.Token).ConfigureAwait(false);
        while (await reader.ReadAsync(deadline.Token).ConfigureAwait(false))
        {
            read(reader);
        }
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();
}
