using DataTier.DevCluster;

namespace DataTier.IntegrationTests.Failover;

/// <summary>Starting a node again after it was killed with SIGKILL.</summary>
internal static class KilledNode
{
    /// <summary>
    /// Starts the node, retrying for a while: the backends of a killed postmaster exit only once they notice, and
    /// until the last one has, the shared memory is still attached and a new postmaster refuses to start.
    /// </summary>
    public static async Task StartAgainAsync(ClusterHandle cluster, string nodeId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await cluster.StartNodeAsync(nodeId);
                return;
            }
            catch (DevClusterException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }
}
