namespace DataTier.Core.Rebalancing;

/// <summary>
/// Decides whether the shards are out of balance and which desired weights would even them out. Load is measured in
/// bytes of sharded tables per unit of ring share, so a shard that holds more than its weight promises is loaded.
/// The proposed weights scale each shard's weight by mean load / its load (the share of the ring it should have so
/// its bytes match the others'), keep the total weight, and stay within the weights a topology allows.
/// </summary>
public static class RebalanceProposer
{
    /// <summary>Each shard's load per unit of weight against the mean; 0 for all when nothing is stored yet.</summary>
    public static IReadOnlyList<ShardLoad> Loads(IReadOnlyList<(string Id, double Weight, long Rows, long Bytes, long Requests)> shards)
    {
        double totalWeight = shards.Sum(s => s.Weight);
        double totalBytes = shards.Sum(s => (double)s.Bytes);
        return shards.Select(s => new ShardLoad(s.Id, s.Weight, s.Rows, s.Bytes, s.Requests,
            totalBytes <= 0 || s.Weight <= 0 ? 0 : (s.Bytes / totalBytes) / (s.Weight / totalWeight))).ToList();
    }

    /// <summary>The most loaded shard's load against the mean load (1.0: perfectly even).</summary>
    public static double Imbalance(IReadOnlyList<ShardLoad> loads)
    {
        double mean = loads.Count == 0 ? 0 : loads.Average(l => l.Load);
        return mean <= 0 ? 1 : loads.Max(l => l.Load) / mean;
    }

    /// <summary>The desired weights that would even the loads out, or null when the imbalance is within the threshold.</summary>
    public static IReadOnlyDictionary<string, double>? Propose(IReadOnlyList<ShardLoad> loads, double threshold)
    {
        if (loads.Count < 2 || Imbalance(loads) <= threshold)
        {
            return null;
        }

        double mean = loads.Average(l => l.Load);
        var raw = loads.ToDictionary(l => l.Id, l => l.Load <= 0 ? l.Weight : l.Weight * mean / l.Load, StringComparer.Ordinal);
        double scale = loads.Sum(l => l.Weight) / raw.Values.Sum();
        return raw.ToDictionary(kv => kv.Key, kv => Math.Round(Math.Clamp(kv.Value * scale, 0.01, Topology.TopologyChanges.MaxWeight), 3), StringComparer.Ordinal);
    }
}
