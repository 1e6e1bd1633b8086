namespace DataTier.DevCluster.State;

/// <summary>Life cycle of a cluster as recorded in <c>cluster.json</c>.</summary>
internal enum ClusterStatus
{
    /// <summary><c>UpAsync</c> is (or was, if it died) building the cluster.</summary>
    Starting,

    /// <summary>Built and handed out.</summary>
    Running,

    /// <summary><c>UpAsync</c> failed; processes were stopped, files kept for their logs.</summary>
    Failed,
}
