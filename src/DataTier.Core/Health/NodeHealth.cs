using DataTier.Core.Topology;

namespace DataTier.Core.Health;

/// <summary>What the last probe of a node found. Immutable; replaced on every probe.</summary>
public sealed record NodeHealth
{
    /// <summary>The node id.</summary>
    public required string NodeId { get; init; }

    /// <summary>Configured role.</summary>
    public required NodeRole Role { get; init; }

    /// <summary>Whether the node answered its last probe (and no request saw it fail since).</summary>
    public bool Reachable { get; init; }

    /// <summary>Whether the server reports being in recovery (a standby).</summary>
    public bool InRecovery { get; init; }

    /// <summary>For a primary its current WAL LSN, for a replica its replay LSN.</summary>
    public ulong Lsn { get; init; }

    /// <summary>
    /// The WAL timeline the node is on: for a primary the timeline of its current WAL, for a standby the one it
    /// receives (0: not known, e.g. a standby whose WAL receiver is not running). A promotion starts a new timeline.
    /// </summary>
    public int Timeline { get; init; }

    /// <summary>The server this finding is about: node ids are positional and move to another server at a failover.</summary>
    internal string? ConnectionString { get; init; }

    /// <summary>Replication lag in seconds (0 for a primary, or a replica that has replayed all it received).</summary>
    public double LagSeconds { get; init; }

    /// <summary>Replication lag in bytes behind its primary's last probed LSN.</summary>
    public long LagBytes { get; init; }

    /// <summary>Round trip of the last probe, in milliseconds.</summary>
    public double LatencyMs { get; init; }

    /// <summary>When the node was last probed.</summary>
    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>Consecutive failed probes.</summary>
    public int ConsecutiveFailures { get; init; }

    /// <summary>Last error (a class name and a message free of connection strings), if any.</summary>
    public string? LastError { get; init; }

    /// <summary>A node that has never been probed.</summary>
    public static NodeHealth Unknown(NodeDefinition node) => new() { NodeId = node.Id, Role = node.Role, Reachable = false, LastError = "not probed yet", ConnectionString = node.ConnectionString };
}
