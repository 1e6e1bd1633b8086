using System.Collections.Immutable;

namespace DataTier.Core.Sql.Tree;

/// <summary>What one statement does, read from its parse tree: immutable, so it can be cached and shared across threads.</summary>
internal sealed class PgStatementAnalysis
{
    public required PgStatementKind Kind { get; init; }

    /// <summary>The parse tree's top node type (<c>SelectStmt</c>, <c>CreateStmt</c>, <c>VacuumStmt</c>...).</summary>
    public required string NodeType { get; init; }

    /// <summary>
    /// True when the statement changes data or schema, or may: INSERT, UPDATE, DELETE, MERGE, a data-modifying CTE, SELECT
    /// INTO, <c>COPY ... FROM</c>, <c>EXPLAIN ANALYZE</c> of a write, DDL and other utility statements, and DO, CALL and
    /// EXECUTE, whose bodies the text does not show. False for transaction control, SET/RESET/SHOW, LISTEN/NOTIFY, PREPARE,
    /// DEALLOCATE, DISCARD, plain EXPLAIN.
    /// </summary>
    public bool Writes { get; init; }

    /// <summary>A locking clause (<c>FOR UPDATE</c>, <c>FOR SHARE</c>, ...) anywhere: it reads, but must run on the primary.</summary>
    public bool LocksRows { get; init; }

    /// <summary>An INSERT, UPDATE, DELETE or MERGE inside a WITH (or under <c>COPY (...) TO</c>).</summary>
    public bool HasDataModifyingCte { get; init; }

    /// <summary>
    /// An UPDATE SET, ON CONFLICT DO UPDATE SET or MERGE UPDATE SET assigns a sharded target's key column: the row may belong
    /// to another shard afterwards, so the caller refuses or checks the new value.
    /// </summary>
    public bool WritesShardKey { get; init; }

    /// <summary>A SELECT that neither writes nor locks rows: a replica can answer it. Volatile functions are not judged; see <see cref="Functions"/>.</summary>
    public bool IsPlainRead => Kind == PgStatementKind.Select && !Writes && !LocksRows;

    /// <summary>Every table named, with its role, in order of first appearance; CTE names are not tables.</summary>
    public ImmutableArray<PgTableReference> Tables { get; init; } = [];

    /// <summary>Every function called, qualified as written (<c>now</c>, <c>pg_catalog.pg_get_userbyid</c>), distinct.</summary>
    public ImmutableArray<string> Functions { get; init; } = [];

    /// <summary>Which shards the statement can touch. For EXPLAIN and PREPARE, those of the statement inside.</summary>
    public ShardKeyAnalysis ShardKeys { get; init; } = ShardKeyAnalysis.None;

    /// <summary>For <see cref="PgStatementKind.Transaction"/>.</summary>
    public PgTransactionStatement? Transaction { get; init; }

    /// <summary>For <see cref="PgStatementKind.Set"/>, <see cref="PgStatementKind.Reset"/> and <see cref="PgStatementKind.Show"/>.</summary>
    public PgSettingStatement? Setting { get; init; }

    /// <summary>For <see cref="PgStatementKind.Copy"/>.</summary>
    public PgCopyStatement? Copy { get; init; }

    /// <summary>
    /// The object the statement names: the prepared statement of PREPARE, EXECUTE and DEALLOCATE (null for DEALLOCATE ALL),
    /// the channel of LISTEN, UNLISTEN (null for <c>*</c>) and NOTIFY, the procedure of CALL, the target of DISCARD
    /// (<c>ALL</c>, <c>PLANS</c>, <c>SEQUENCES</c>, <c>TEMP</c>).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>The statement that EXPLAIN explains or PREPARE prepares.</summary>
    public PgStatementAnalysis? Inner { get; init; }

    /// <summary>EXPLAIN ANALYZE: the explained statement runs.</summary>
    public bool IsExplainAnalyze { get; init; }
}
