namespace DataTier.Core.Rebalancing;

/// <summary>A table registered in the catalog as sharded, with the column whose value is the shard key.</summary>
public sealed record ShardedTable(string Name, string KeyColumn);
