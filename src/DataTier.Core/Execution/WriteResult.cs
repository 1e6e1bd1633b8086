namespace DataTier.Core.Execution;

/// <summary>The outcome of one write statement.</summary>
/// <param name="RowsAffected">Rows inserted, updated or deleted.</param>
/// <param name="Rows">Rows from RETURNING or a SELECT inside a transaction (empty otherwise).</param>
public sealed record WriteResult(long RowsAffected, QueryResult Rows);
