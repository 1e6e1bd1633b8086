using DataTier.MoveBench.Load;

namespace DataTier.MoveBench.Moves;

/// <summary>
/// The measurements of one move. Rows and bytes come from the plan taken just before the POST
/// (<c>GET /admin/rebalance/plan</c>: <c>movedRows</c>, <c>movedBytes</c>, the bytes estimated from each table's size
/// per row) and from the finished move's document (<c>rowsCopied</c>). Two rates:
/// <list type="bullet">
/// <item>copy: the document's <c>rowsPerSecond</c>, which the server computes over the copy phase alone (rows copied
/// / time from the copy's start to its end); the copy time is <c>rowsCopied / rowsPerSecond</c> and the MB/s is the
/// plan's MB over that time.</item>
/// <item>wall: over the whole move as the client saw it, from the POST to the poll that saw it done (capture set up,
/// copy, catch-up, fence and switch, verification, the cleanup grace and the sources' deletes).</item>
/// </list>
/// </summary>
internal sealed record MoveResult
{
    public required string Name { get; init; }

    /// <summary>"2 -> 3" or "3 -> 2".</summary>
    public required string Shards { get; init; }

    public required bool UnderLoad { get; init; }

    public required long MoveId { get; init; }

    /// <summary>Sharded rows in the cluster when the plan was taken.</summary>
    public required long PlanTotalRows { get; init; }

    public required long PlanMovedRows { get; init; }

    public required long PlanMovedBytes { get; init; }

    /// <summary><see cref="PlanMovedBytes"/> / 1e6.</summary>
    public double MovedMB => PlanMovedBytes / 1e6;

    /// <summary>The move document's <c>rowsPlanned</c> (counted when the move started).</summary>
    public required long RowsPlanned { get; init; }

    /// <summary>The move document's <c>rowsCopied</c> (a resumed copy would count a slice again).</summary>
    public required long RowsCopied { get; init; }

    /// <summary>POST to done, as the client saw it (s).</summary>
    public required double WallSeconds { get; init; }

    /// <summary>The document's <c>createdAt</c> to <c>finishedAt</c> (s): the same span as the server saw it.</summary>
    public required double ServerSeconds { get; init; }

    /// <summary><see cref="RowsCopied"/> / <see cref="CopyRowsPerSecond"/> (s).</summary>
    public required double CopySeconds { get; init; }

    /// <summary>The document's <c>rowsPerSecond</c>: the copy phase's rate.</summary>
    public required double CopyRowsPerSecond { get; init; }

    public double CopyMBPerSecond => CopySeconds > 0 ? MovedMB / CopySeconds : 0;

    public double WallRowsPerSecond => WallSeconds > 0 ? RowsCopied / WallSeconds : 0;

    public double WallMBPerSecond => WallSeconds > 0 ? MovedMB / WallSeconds : 0;

    /// <summary>The document's <c>longestWritePauseMs</c>: the longest time the move's fence held writes.</summary>
    public required double LongestWritePauseMs { get; init; }

    public required int FenceAttempts { get; init; }

    /// <summary>Whether both sides' counts and checksums matched for every moved range.</summary>
    public required bool Verified { get; init; }

    public required IReadOnlyList<PhaseTiming> Phases { get; init; }

    public required IReadOnlyList<TableMove> Tables { get; init; }

    public required IReadOnlyList<PairMove> Pairs { get; init; }

    /// <summary>The document's notes (fence attempts that timed out, retried errors, ...).</summary>
    public required IReadOnlyList<string> Notes { get; init; }

    /// <summary>The write load during the move; null when it ran idle.</summary>
    public WriteLoadWindow? Load { get; init; }
}
