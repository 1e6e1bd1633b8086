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
    long? AppliedVersion)
{
    /// <summary>The move started to carry the approved weights out, when one was asked for.</summary>
    public long? MoveId { get; init; }

    /// <summary>Why no move started although one was asked for (e.g. another is running); the weights stay applied.</summary>
    public string? MoveError { get; init; }
}
