namespace DataTier.Core.Rebalancing.Moves;

/// <summary>A move as the API shows it: state, phase, progress with rate and ETA, and each pair of shards.</summary>
public sealed record MoveStatus(
    long Id,
    string State,
    string Phase,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    long FromVersion,
    long? ToVersion,
    long RowsPlanned,
    long RowsCopied,
    double? RowsPerSecond,
    double? EtaSeconds,
    int FenceAttempts,
    int MaxWritePauseMs,
    double? LongestWritePauseMs,
    bool? Verified,
    string? Error,
    string? Owner,
    IReadOnlyList<string> Tables,
    IReadOnlyList<PairProgress> Pairs,
    IReadOnlyList<string> Notes)
{
    /// <summary>Each moving range with its rows and state, when asked for (<c>?ranges=true</c>).</summary>
    public IReadOnlyList<MoveRangeStatus>? Ranges { get; init; }

    /// <summary>The status of a stored move at <paramref name="now"/>.</summary>
    public static MoveStatus From(MoveRecord move, DateTimeOffset now, bool ranges = false)
    {
        var p = move.Progress;
        long planned = p.Pairs.Sum(x => x.RowsPlanned);
        long copied = p.Pairs.Sum(x => x.RowsCopied);
        double? rate = null;
        if (p.CopyStartedAt is { } started)
        {
            double seconds = ((p.CopyFinishedAt ?? now) - started).TotalSeconds;
            rate = seconds > 0 ? copied / seconds : null;
        }

        double? eta = move.State != MoveStates.Running ? 0
            : p.CopyFinishedAt is not null ? null
            : rate is > 0 ? Math.Max(0, planned - copied) / rate : null;
        return new MoveStatus(move.Id, move.State, p.Phase, move.CreatedAt, move.UpdatedAt, move.FinishedAt, move.Spec.FromVersion, p.ToVersion,
            planned, copied, rate, eta, p.FenceAttempts, move.Spec.MaxWritePauseMs, p.LongestWritePauseMs, p.Verified, move.Error,
            move.State == MoveStates.Running ? move.Owner : null, move.Spec.Tables.Select(t => t.Name).ToList(), p.Pairs, p.Notes)
        {
            Ranges = !ranges ? null : (move.Spec.PlannedRanges ?? []).Select(r => new MoveRangeStatus(r.Start, r.End, r.IncludesStart, r.From, r.To, r.Rows,
                p.Pairs.FirstOrDefault(x => x.From == r.From && x.To == r.To)?.State ?? "waiting")).ToList(),
        };
    }
}
