using DataTier.Core.Topology;

namespace DataTier.Core.Replicas;

/// <summary>Each candidate in turn.</summary>
internal sealed class RoundRobinPolicy : IReplicaSelectionPolicy
{
    private int _next;

    public string Name => ReplicaSelectionPolicies.RoundRobin;

    public int Select(ReadOnlySpan<NodeDefinition> candidates, OutstandingRequests outstanding) =>
        (int)((uint)Interlocked.Increment(ref _next) % (uint)candidates.Length);
}
