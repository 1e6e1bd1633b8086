namespace DataTier.MoveBench.Moves;

/// <summary>One (source, target) pair of a finished move, from the move's document.</summary>
internal sealed record PairMove(string From, string To, long RowsPlanned, long RowsCopied, long ChangesApplied);
