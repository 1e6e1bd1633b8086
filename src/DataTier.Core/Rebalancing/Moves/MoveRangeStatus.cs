namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// One moving hash range (<see cref="Start"/>, <see cref="End"/>] of a move, with the rows the plan counted in it and
/// its state: the ranges of one (source, target) pair are copied, fenced and switched together, so each has its pair's.
/// </summary>
public sealed record MoveRangeStatus(long Start, long End, bool IncludesStart, string From, string To, long RowsPlanned, string State);
