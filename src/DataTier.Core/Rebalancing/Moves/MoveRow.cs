namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// A <c>datatier.rebalance_moves</c> row as read (JSON columns as text, timestamptz as the UTC <see cref="DateTime"/>
/// Npgsql returns), before <see cref="MoveStore"/> turns it into a <see cref="MoveRecord"/>.
/// </summary>
internal sealed record MoveRow(
    long Id,
    string State,
    string Spec,
    string Progress,
    string? Error,
    string? Owner,
    bool CancelRequested,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? FinishedAt);
