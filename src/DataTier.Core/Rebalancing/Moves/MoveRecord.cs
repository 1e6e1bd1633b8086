namespace DataTier.Core.Rebalancing.Moves;

/// <summary>A move as the catalog holds it.</summary>
public sealed record MoveRecord(
    long Id,
    string State,
    MoveSpec Spec,
    MoveProgress Progress,
    string? Error,
    string? Owner,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt);
