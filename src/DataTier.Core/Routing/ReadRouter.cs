using System.Collections.Frozen;
using DataTier.Core.Consistency;
using DataTier.Core.Errors;
using DataTier.Core.Health;
using DataTier.Core.Replicas;
using DataTier.Core.Topology;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Routing;

/// <summary>
/// Chooses the node of a shard that serves a read: the primary for strong reads; for eventual reads a healthy
/// replica within the lag bound; for session reads a replica whose replay LSN has reached the session's, falling
/// back to the primary when no replica qualifies.
/// </summary>
public sealed class ReadRouter
{
    private readonly NodeHealthMonitor _health;
    private readonly OutstandingRequests _outstanding;
    private readonly IReplicaSelectionPolicy _policy;
    private readonly double _maxLagSeconds;

    /// <summary>Creates the router with the configured policy.</summary>
    public ReadRouter(NodeHealthMonitor health, OutstandingRequests outstanding, IEnumerable<IReplicaSelectionPolicy> policies, IOptions<RoutingOptions> options)
    {
        _health = health;
        _outstanding = outstanding;
        var byName = policies.ToFrozenDictionary(p => p.Name, StringComparer.OrdinalIgnoreCase);
        if (!byName.TryGetValue(options.Value.ReplicaPolicy, out var policy))
        {
            throw new InvalidOperationException($"DataTier:Routing:ReplicaPolicy is '{options.Value.ReplicaPolicy}'; use one of {string.Join(", ", byName.Keys)}.");
        }

        _policy = policy;
        _maxLagSeconds = health.Options.MaxReplicaLagSeconds;
    }

    /// <summary>Requests in flight per node.</summary>
    public OutstandingRequests Outstanding => _outstanding;

    /// <summary>Chooses the node for a read; <paramref name="exclude"/> is a node that just failed.</summary>
    public ReadTarget Route(ShardDefinition shard, ConsistencyLevel consistency, ulong minLsn, NodeDefinition? exclude = null)
    {
        if (consistency == ConsistencyLevel.Strong || shard.Replicas.IsEmpty)
        {
            return new ReadTarget(shard.Primary);
        }

        Span<int> eligible = stackalloc int[shard.Replicas.Length];
        int count = 0;
        for (int i = 0; i < shard.Replicas.Length; i++)
        {
            var replica = shard.Replicas[i];
            if (ReferenceEquals(replica, exclude))
            {
                continue;
            }

            var h = _health.Get(replica);
            if (!h.Reachable || !h.InRecovery || h.LagSeconds > _maxLagSeconds)
            {
                continue;
            }

            // The probed replay LSN only grows, so a replica probed at or past the token's LSN has the writes.
            if ((consistency == ConsistencyLevel.Session && minLsn != 0 && h.Lsn < minLsn) || h.Lsn < shard.ReadFloorLsn)
            {
                continue;
            }

            eligible[count++] = i;
        }

        if (count == 0)
        {
            if (ReferenceEquals(shard.Primary, exclude))
            {
                throw new DataTierException(DataTierErrorKind.ShardUnavailable, "shard-unavailable", $"Shard '{shard.Id}' has no node that can serve this read.") { ShardId = shard.Id, RetryAfterSeconds = 1 };
            }

            return new ReadTarget(shard.Primary);
        }

        if (count == 1)
        {
            return new ReadTarget(shard.Replicas[eligible[0]]);
        }

        var candidates = new NodeDefinition[count];
        for (int i = 0; i < count; i++)
        {
            candidates[i] = shard.Replicas[eligible[i]];
        }

        return new ReadTarget(candidates[_policy.Select(candidates, _outstanding)]);
    }
}
