using DataTier.Core.Topology;

namespace DataTier.Core.Replicas;

/// <summary>Chooses one node among eligible candidates for a read.</summary>
public interface IReplicaSelectionPolicy
{
    /// <summary>The policy's configured name.</summary>
    string Name { get; }

    /// <summary>Index into <paramref name="candidates"/> of the node to use. Candidates is never empty.</summary>
    int Select(ReadOnlySpan<NodeDefinition> candidates, OutstandingRequests outstanding);
}
