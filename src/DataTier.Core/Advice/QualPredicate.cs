namespace DataTier.Core.Advice;

/// <summary>A predicate pg_qualstats sampled for a statement: the table, the column, the comparison operator and the constant compared with (<c>'open'::text</c>), when any.</summary>
internal sealed record QualPredicate(long QueryId, string Table, string Column, string Operator, string? ConstValue);
