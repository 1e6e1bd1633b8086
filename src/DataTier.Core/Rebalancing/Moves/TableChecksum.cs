namespace DataTier.Core.Rebalancing.Moves;

/// <summary>The rows of one table's moving ranges on a shard and their order-independent checksum (a sum of row hashes).</summary>
internal sealed record TableChecksum(long Rows, decimal Checksum);
