namespace DataTier.Core.Rebalancing.Moves;

/// <summary>A column of a table on a shard (its quoted name) and whether it is part of the primary key.</summary>
internal sealed record TableColumn(string Name, bool InPrimaryKey);
