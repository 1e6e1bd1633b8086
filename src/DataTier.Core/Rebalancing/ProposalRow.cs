namespace DataTier.Core.Rebalancing;

/// <summary>
/// A <c>datatier.rebalance_proposals</c> row as read (JSON columns as text, timestamptz as the UTC
/// <see cref="DateTime"/> Npgsql returns), before it becomes a <see cref="RebalanceProposal"/>.
/// </summary>
internal sealed record ProposalRow(
    long Id,
    DateTime CreatedAt,
    string Instance,
    long TopologyVersion,
    double Imbalance,
    string Loads,
    string Weights,
    string Status,
    long? AppliedVersion);
