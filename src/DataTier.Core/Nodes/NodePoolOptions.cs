namespace DataTier.Core.Nodes;

/// <summary>Connection pooling per node (<c>DataTier:Pool</c>).</summary>
public sealed class NodePoolOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Pool";

    /// <summary>
    /// Maximum connections in use per node. Keep it under the server's max_connections minus a reserve; the data
    /// path's pool and the administrative one may together hold more open while idle (up to twice this after
    /// heavy use of both), until Npgsql's idle lifetime closes them.
    /// </summary>
    public int MaxPoolSize { get; set; } = 50;

    /// <summary>Connections kept open per node.</summary>
    public int MinPoolSize { get; set; }

    /// <summary>How long a request waits for a pooled connection before it is refused with 503 (ms).</summary>
    public int ConnectionWaitMs { get; set; } = 2000;

    /// <summary>TCP connect timeout (ms).</summary>
    public int ConnectTimeoutMs { get; set; } = 3000;

    /// <summary>Failed attempts (within 10 s, at least half of all) that open a node's circuit.</summary>
    public int CircuitMinimumThroughput { get; set; } = 3;

    /// <summary>How long an open circuit refuses requests before letting one through (ms).</summary>
    public int CircuitBreakMs { get; set; } = 1000;
}
