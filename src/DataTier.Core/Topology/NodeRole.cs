namespace DataTier.Core.Topology;

/// <summary>The role of a PostgreSQL node within its shard.</summary>
public enum NodeRole
{
    /// <summary>Accepts writes.</summary>
    Primary,

    /// <summary>A streaming read replica.</summary>
    Replica,

    /// <summary>
    /// A former primary that a promoted replica replaced (failover followed): probed and shown in health, never sent
    /// a read or a write, so that if it comes back as a primary on its old timeline nothing lands on it.
    /// </summary>
    Replaced,
}
