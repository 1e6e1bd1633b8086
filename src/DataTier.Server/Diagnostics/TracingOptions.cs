namespace DataTier.Server.Diagnostics;

/// <summary>
/// Distributed tracing (<c>DataTier:Tracing</c>). Off by default; on when <see cref="Enabled"/> is set or an OTLP
/// endpoint is configured (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>). Everything
/// else (exporter protocol and headers, sampler, service name, resource attributes) is read by the OpenTelemetry SDK
/// from the standard <c>OTEL_*</c> variables.
/// </summary>
public sealed class TracingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Tracing";

    /// <summary>
    /// Records spans even without an OTLP endpoint (for an exporter added in code, or to carry the trace context into
    /// the shards' SQL); an OTLP endpoint turns tracing on by itself.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Spans for each Redis command (StackExchange.Redis instrumentation). It profiles every command of the shared
    /// connection while tracing is on, so it can be turned off when the cache's version checks are not of interest.
    /// </summary>
    public bool Redis { get; set; } = true;

    /// <summary>
    /// A span for each Npgsql command inside DataTier's shard-query span (Npgsql's own instrumentation: round trip,
    /// batch, connection open).
    /// </summary>
    public bool Npgsql { get; set; } = true;

    /// <summary>Request paths not traced (probes and scrapes would fill the traces with noise).</summary>
    public string[] ExcludePaths { get; set; } = ["/health", "/metrics"];
}
