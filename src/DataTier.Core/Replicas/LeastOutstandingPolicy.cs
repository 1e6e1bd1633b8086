using DataTier.Core.Topology;

namespace DataTier.Core.Replicas;

/// <summary>Picks the candidate with the fewest requests in flight; ties go to a rotating start so load spreads.</summary>
internal sealed class LeastOutstandingPolicy : IReplicaSelectionPolicy
{
    private int _start;

    public string Name => ReplicaSelectionPolicies.LeastOutstanding;

    public int Select(ReadOnlySpan<NodeDefinition> candidates, OutstandingRequests outstanding)
    {
        int n = candidates.Length;
        int offset = (int)((uint)Interlocked.Increment(ref _start) % (uint)n);
        int best = offset;
        int bestCount = int.MaxValue;
        for (int i = 0; i < n; i++)
        {
            int index = (offset + i) % n;
            int count = outstanding.Get(candidates[index].Id);
            if (count < bestCount)
            {
                best = index;
                bestCount = count;
            }
        }

        return best;
    }
}
