using System.Data;
using DataTier.Core.Consistency;
using DataTier.Core.Execution;
using DataTier.Core.Idempotency;

namespace DataTier.Core.DataPath;

/// <summary>Statements to run in one transaction on the primary of the shard that owns <paramref name="ShardKey"/>.</summary>
/// <param name="ShardKey">The key whose shard takes the write.</param>
/// <param name="Statements">Checked, bound statements, run in order, all or nothing.</param>
/// <param name="Isolation">The transaction's isolation level.</param>
/// <param name="Token">The session's earlier writes, carried into the answer's token.</param>
/// <param name="MaxRows">RETURNING rows per statement at most.</param>
/// <param name="TimeoutMs">Statement timeout.</param>
public sealed record WriteRequest(string ShardKey, IReadOnlyList<BoundStatement> Statements, IsolationLevel Isolation, SessionToken? Token, int MaxRows, int TimeoutMs)
{
    /// <summary>
    /// The caller's idempotency key (null: an ordinary write, on the fast path). With one, the key and the answer are
    /// recorded with the write, and a retry with the same key and request applies nothing and gets the first answer.
    /// </summary>
    public IdempotencyKey? Idempotency { get; init; }
}
