namespace DataTier.Core.Advice;

/// <summary>A <c>datatier.advisor_table_baselines</c> row: the rows written to a table on a node when the last run ended.</summary>
internal sealed record TableBaseline(string NodeId, string TableName, long Writes);
