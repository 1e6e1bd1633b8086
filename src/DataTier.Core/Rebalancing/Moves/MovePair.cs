namespace DataTier.Core.Rebalancing.Moves;

/// <summary>Rows moving from one shard to another: <see cref="Segments"/> stretches of the ring.</summary>
public sealed record MovePair(string From, string To, int Segments);
