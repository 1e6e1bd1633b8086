namespace DataTier.Core.Sql.Tree;

/// <summary>What a statement is, from the top node of its parse tree.</summary>
internal enum PgStatementKind
{
    /// <summary><c>SELECT</c>, <c>VALUES</c>, <c>TABLE x</c>, set operations, and <c>WITH ... SELECT</c> (also with a data-modifying CTE).</summary>
    Select,

    /// <summary><c>INSERT</c> (<c>WITH ... INSERT</c>, <c>ON CONFLICT</c>).</summary>
    Insert,

    /// <summary><c>UPDATE</c>.</summary>
    Update,

    /// <summary><c>DELETE</c>.</summary>
    Delete,

    /// <summary><c>MERGE</c>.</summary>
    Merge,

    /// <summary>BEGIN, START TRANSACTION, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, ROLLBACK TO, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED.</summary>
    Transaction,

    /// <summary><c>SET</c>, <c>SET ... TO DEFAULT</c>, <c>SET TRANSACTION</c>.</summary>
    Set,

    /// <summary><c>RESET name</c>, <c>RESET ALL</c>.</summary>
    Reset,

    /// <summary><c>SHOW name</c>, <c>SHOW ALL</c>.</summary>
    Show,

    /// <summary><c>COPY</c> to or from the client, a file or a program.</summary>
    Copy,

    /// <summary><c>EXPLAIN</c>; the explained statement is <see cref="PgStatementAnalysis.Inner"/>.</summary>
    Explain,

    /// <summary><c>DISCARD ALL | PLANS | SEQUENCES | TEMP</c>.</summary>
    Discard,

    /// <summary><c>LISTEN channel</c>.</summary>
    Listen,

    /// <summary><c>UNLISTEN channel</c> or <c>UNLISTEN *</c>.</summary>
    Unlisten,

    /// <summary><c>NOTIFY channel [, payload]</c>.</summary>
    Notify,

    /// <summary>SQL-level <c>PREPARE name AS ...</c>; the prepared statement is <see cref="PgStatementAnalysis.Inner"/>.</summary>
    Prepare,

    /// <summary>SQL-level <c>EXECUTE name (...)</c>.</summary>
    Execute,

    /// <summary><c>DEALLOCATE name</c> or <c>DEALLOCATE ALL</c>.</summary>
    Deallocate,

    /// <summary>An anonymous code block, <c>DO $$ ... $$</c>.</summary>
    Do,

    /// <summary><c>CALL procedure(...)</c>.</summary>
    Call,

    /// <summary>
    /// DDL and every other utility statement; <see cref="PgStatementAnalysis.NodeType"/> names it (<c>CreateStmt</c>,
    /// <c>CreateTableAsStmt</c>, <c>VacuumStmt</c>...). <c>SELECT ... INTO</c> creates a table and is one too, with node
    /// type <c>SelectStmt</c>.
    /// </summary>
    Utility,
}
