using System.Text.RegularExpressions;
using DataTier.Core.Health;
using DataTier.Core.Nodes;
using DataTier.Core.Sql;
using DataTier.Core.Topology;
using Dapper;
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
        // Node and shard pass through the query so that a row maps straight onto PostgresStatement; the fingerprint is
        // DataTier's, computed below from the text (the query leaves it null).
        const string sql =
            """
            select @NodeId as NodeId, @ShardId as ShardId, queryid as QueryId, query as Query, null::text as Fingerprint,
                   calls as Calls, total_exec_time as TotalMs, mean_exec_time as MeanMs, stddev_exec_time as StddevMs, rows as Rows,
                   shared_blks_hit as SharedBlocksHit, shared_blks_read as SharedBlocksRead, temp_blks_read + temp_blks_written as TempBlocks
            from pg_stat_statements
            where dbid = (select oid from pg_database where datname = current_database()) and calls > 0
            """;
        var perNode = await Task.WhenAll(ReachableNodes().Select(async node =>
        {
            var rows = await QueryAsync<PostgresStatement>(node, sql, new { NodeId = node.Id, node.ShardId }, cancellationToken).ConfigureAwait(false);
            return rows.Select(r => r with { Fingerprint = FingerprintOf(r.Query) }).ToList();
        })).ConfigureAwait(false);
        return perNode.SelectMany(r => r).ToList();
    }

    /// <summary>
    /// DataTier's fingerprint of a pg_stat_statements text (its constants are $n placeholders), or null for statements
    /// DataTier would not run (utility statements, its own transaction control).
    /// </summary>
    public static string? FingerprintOf(string normalizedQuery) => FingerprintAndIdOf(normalizedQuery)?.Fingerprint;

    /// <summary>
    /// DataTier's fingerprint and its 64-bit id for a statement written with $n placeholders (pg_stat_statements' text,
    /// or what a driver sends on the wire): the same shape through either front end lands on one digest entry.
    /// </summary>
    public static (string Fingerprint, ulong Id)? FingerprintAndIdOf(string normalizedQuery)
    {
        try
        {
            var parsed = SqlParser.Parse(Placeholder().Replace(normalizedQuery, "@p$1"));
            return (parsed.Fingerprint, parsed.FingerprintId);
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
        var seq = await QueryAsync<SeqScanTable>(node,
            """
            select relname as Table, seq_scan as SeqScans, seq_tup_read as SeqRowsRead, coalesce(idx_scan, 0) as IndexScans, n_live_tup as LiveRows
            from pg_stat_user_tables
            where n_live_tup >= 10000 and seq_scan > 0 order by seq_tup_read desc limit 20
            """, cancellationToken).ConfigureAwait(false);
        var unused = await QueryAsync<UnusedIndex>(node,
            """
            select s.relname as Table, s.indexrelname as Index, s.idx_scan as Scans, pg_relation_size(s.indexrelid) as Bytes from pg_stat_user_indexes s
            join pg_index i on i.indexrelid = s.indexrelid
            where s.idx_scan = 0 and not i.indisunique and not i.indisprimary order by pg_relation_size(s.indexrelid) desc
            """, cancellationToken).ConfigureAwait(false);
        var bloat = await QueryAsync<TableBloat>(node,
            """
            select relname as Table, n_dead_tup as DeadRows, n_live_tup as LiveRows,
                   coalesce(round(n_dead_tup::numeric / nullif(n_live_tup + n_dead_tup, 0), 4)::float8, 0) as DeadRatio
            from pg_stat_user_tables where n_dead_tup >= 1000 order by n_dead_tup desc limit 20
            """, cancellationToken).ConfigureAwait(false);
        var running = await QueryAsync<LongRunning>(node,
            """
            select pid as Pid, coalesce(state, '') as State, coalesce(extract(epoch from now() - query_start), 0)::float8 as QuerySeconds,
                   coalesce(extract(epoch from now() - xact_start), 0)::float8 as TransactionSeconds,
                   wait_event_type as WaitEventType, coalesce(left(query, 300), '') as Query
            from pg_stat_activity
            where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle' and backend_type = 'client backend'
              and (now() - query_start > interval '5 seconds' or now() - xact_start > interval '30 seconds' or wait_event_type = 'Lock')
            order by query_start limit 50
            """, cancellationToken).ConfigureAwait(false);
        return new NodeFindings(seq, unused, bloat, running);
    }

    /// <summary>
    /// Runs a query on a node, within <see cref="TimeoutMs"/> from opening the connection to the last row, and maps its
    /// rows to <typeparamref name="TRow"/> (columns aliased to the record's names).
    /// </summary>
    public Task<IReadOnlyList<TRow>> QueryAsync<TRow>(NodeDefinition node, string sql, CancellationToken cancellationToken) =>
        QueryAsync<TRow>(node, sql, null, cancellationToken);

    /// <summary>Runs a query with parameters (an object whose properties are named like them) on a node; see the other overload.</summary>
    public async Task<IReadOnlyList<TRow>> QueryAsync<TRow>(NodeDefinition node, string sql, object? parameters, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeoutMs);
        await using var lease = await _dataSources.OpenAsync(node, deadline.Token).ConfigureAwait(false);
        var rows = await lease.Connection.QueryAsync<TRow>(new CommandDefinition(sql, parameters, cancellationToken: deadline.Token)).ConfigureAwait(false);
        return rows.AsList();
    }

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();
}
