namespace DataTier.Core.Sql.Tree;

/// <summary>What a transaction-control statement asks for.</summary>
/// <param name="Action">Which statement it is.</param>
/// <param name="IsolationLevel">BEGIN/START TRANSACTION's <c>ISOLATION LEVEL</c>, lower case (<c>serializable</c>, <c>repeatable read</c>...), or null.</param>
/// <param name="ReadOnly">True for READ ONLY, false for READ WRITE, null when not given.</param>
/// <param name="Deferrable">True for DEFERRABLE, false for NOT DEFERRABLE, null when not given.</param>
/// <param name="SavepointName">The savepoint of SAVEPOINT, RELEASE and ROLLBACK TO.</param>
/// <param name="TransactionId">The global id of PREPARE TRANSACTION, COMMIT PREPARED and ROLLBACK PREPARED.</param>
/// <param name="Chain">COMMIT/ROLLBACK AND CHAIN.</param>
internal sealed record PgTransactionStatement(
    PgTransactionAction Action,
    string? IsolationLevel = null,
    bool? ReadOnly = null,
    bool? Deferrable = null,
    string? SavepointName = null,
    string? TransactionId = null,
    bool Chain = false);
