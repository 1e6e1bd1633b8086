namespace DataTier.Core.Advice;

/// <summary>A predicate pg_qualstats sampled for a statement: the table, the column and the comparison operator.</summary>
internal sealed record QualPredicate(long QueryId, string Table, string Column, string Operator);
