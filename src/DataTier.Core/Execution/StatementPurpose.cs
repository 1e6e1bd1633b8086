namespace DataTier.Core.Execution;

/// <summary>Where a statement will run, which decides the statements allowed.</summary>
public enum StatementPurpose
{
    /// <summary>/v1/query and /v1/scatter: one SELECT, in a READ ONLY transaction.</summary>
    Read,

    /// <summary>/v1/execute: one INSERT, UPDATE or DELETE.</summary>
    Write,

    /// <summary>A statement of /v1/transaction: INSERT, UPDATE, DELETE or SELECT.</summary>
    TransactionStep,
}
