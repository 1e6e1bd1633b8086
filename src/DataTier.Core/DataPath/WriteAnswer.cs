using DataTier.Core.Consistency;
using DataTier.Core.Execution;

namespace DataTier.Core.DataPath;

/// <summary>
/// A committed write whose invalidation has completed, and the session token that records it: a read that carries
/// the token (or any read through this instance) sees the write.
/// </summary>
public sealed record WriteAnswer(CommittedWrite Write, SessionToken Token);
