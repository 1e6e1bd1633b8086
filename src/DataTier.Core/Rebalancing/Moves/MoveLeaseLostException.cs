namespace DataTier.Core.Rebalancing.Moves;

/// <summary>This instance no longer holds the move's lease: another instance drives it now.</summary>
public sealed class MoveLeaseLostException(long moveId) : Exception($"Move {moveId} is driven by another instance now.")
{
    /// <summary>The move.</summary>
    public long MoveId { get; } = moveId;
}
