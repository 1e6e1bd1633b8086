namespace DataTier.Core.Rebalancing;

/// <summary>A recorded proposal: the loads measured and the desired weights that would even them out.</summary>
public sealed record RebalanceProposal(
    long Id,
    DateTimeOffset CreatedAt,
    string Instance,
    long TopologyVersion,
    double Imbalance,
    IReadOnlyList<ShardLoad> Loads,
    IReadOnlyDictionary<string, double> Weights,
    string Status,
    long? AppliedVersion);
