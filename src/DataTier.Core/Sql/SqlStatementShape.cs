namespace DataTier.Core.Sql;

/// <summary>What <see cref="SqlStatementAnalyzer"/> learned about an accepted statement.</summary>
internal readonly record struct SqlStatementShape(SqlStatementKind Kind, bool HasDataModifyingCte, bool HasLockingClause);
