namespace DataTier.DevCluster;

/// <summary>What a PostgreSQL instance of the local cluster is for.</summary>
public enum ClusterNodeRole
{
    /// <summary>The catalog instance (database <c>datatier_catalog</c>).</summary>
    Catalog,

    /// <summary>A shard primary (database <c>datatier</c>).</summary>
    Primary,

    /// <summary>A streaming replica of a shard primary.</summary>
    Replica,
}
