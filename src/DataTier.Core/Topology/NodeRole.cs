namespace DataTier.Core.Topology;

/// <summary>The role of a PostgreSQL node within its shard.</summary>
public enum NodeRole
{
    /// <summary>Accepts writes.</summary>
    Primary,

    /// <summary>A streaming read replica.</summary>
    Replica,
}
