namespace DataTier.Core.Sql.Tree;

/// <summary>The transaction-control statement (<c>TransactionStmt.kind</c>). ABORT is Rollback, END is Commit.</summary>
internal enum PgTransactionAction
{
    Begin,
    Start,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    PrepareTransaction,
    CommitPrepared,
    RollbackPrepared,
}
