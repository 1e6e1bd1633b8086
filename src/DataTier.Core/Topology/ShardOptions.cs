namespace DataTier.Core.Topology;

/// <summary>One shard as configured: a primary and its streaming replicas.</summary>
public sealed class ShardOptions
{
    /// <summary>Stable shard id, e.g. <c>s1</c>. Keys hash to shard ids, so never reuse one for other data.</summary>
    public string Id { get; set; } = "";

    /// <summary>Relative share of the key space (virtual nodes are proportional to it). Must be &gt; 0.</summary>
    public double Weight { get; set; } = 1;

    /// <summary>Npgsql connection string of the primary.</summary>
    public string? Primary { get; set; }

    /// <summary>Npgsql connection strings of the streaming replicas.</summary>
    public List<string> Replicas { get; set; } = [];
}
