using Prometheus;

namespace DataTier.Postgres.Diagnostics;

/// <summary>
/// Metrics of the wire front end. Labels are bounded: statement kinds and routes are small enums, SQLSTATEs are the
/// codes PostgreSQL defines; never SQL text, keys or parameters.
/// </summary>
internal sealed class WireMetrics
{
    public Gauge Connections { get; } = Metrics.CreateGauge("datatier_wire_connections", "Client connections open on the PostgreSQL wire front end.");

    public Counter ConnectionsTotal { get; } = Metrics.CreateCounter("datatier_wire_connections_total", "Client connections accepted by the wire front end, by outcome.", "outcome");

    public Counter Statements { get; } = Metrics.CreateCounter("datatier_wire_statements_total", "Statements (simple Query or extended Execute batches) relayed on the wire, by kind and route.", "kind", "route");

    /// <summary>Reads answered from the cache, with no backend (route "cache").</summary>
    public Counter.Child CacheHits => _cacheHits ??= Statements.WithLabels("select", "cache");

    private Counter.Child? _cacheHits;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Kind, string Source, bool Primary), Counter.Child> _statementChildren = new();

    /// <summary>The statements counter of one kind and route, resolved once: a round trip costs an increment, no label lookup or string.</summary>
    public Counter.Child StatementsFor(string kind, string source, bool primary) =>
        _statementChildren.TryGetValue((kind, source, primary), out var child)
            ? child
            : _statementChildren.GetOrAdd((kind, source, primary), static (k, statements) => statements.WithLabels(k.Kind, k.Source + (k.Primary ? "/primary" : "/replica")), Statements);

    public Counter Errors { get; } = Metrics.CreateCounter("datatier_wire_errors_total", "ErrorResponses sent to wire clients, by SQLSTATE and source (datatier or backend).", "sqlstate", "source");

    public Counter RefusedWriteRetries { get; } = Metrics.CreateCounter("datatier_wire_refused_write_retries_total", "Autocommit wire writes a shard refused before writing anything and DataTier sent again, by SQLSTATE (DTM01: a rebalancing fence; DTW01: routed by a ring one switch behind).", "sqlstate");

    public Gauge BackendsOpen { get; } = Metrics.CreateGauge("datatier_wire_backend_connections", "Raw backend connections held by the wire front end's pools, per node.", "node");
}
