namespace DataTier.Core.Advice;

/// <summary>Rows written to one table of a node since its statistics were reset (<c>schema.table</c>, inserts + updates + deletes).</summary>
internal sealed record TableWrites(string Table, long Writes);
