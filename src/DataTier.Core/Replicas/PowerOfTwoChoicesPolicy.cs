using DataTier.Core.Topology;

namespace DataTier.Core.Replicas;

/// <summary>Two random candidates; the one with fewer requests in flight wins.</summary>
internal sealed class PowerOfTwoChoicesPolicy : IReplicaSelectionPolicy
{
    public string Name => ReplicaSelectionPolicies.PowerOfTwoChoices;

    public int Select(ReadOnlySpan<NodeDefinition> candidates, OutstandingRequests outstanding)
    {
        if (candidates.Length == 1)
        {
            return 0;
        }

        int a = Random.Shared.Next(candidates.Length);
        int b = Random.Shared.Next(candidates.Length - 1);
        if (b >= a)
        {
            b++;
        }

        return outstanding.Get(candidates[a].Id) <= outstanding.Get(candidates[b].Id) ? a : b;
    }
}
