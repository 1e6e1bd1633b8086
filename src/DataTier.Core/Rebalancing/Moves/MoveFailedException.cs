namespace DataTier.Core.Rebalancing.Moves;

/// <summary>A move cannot go on (a table without a primary key, a changed topology, a failed verification).</summary>
public sealed class MoveFailedException(string message) : Exception(message);
