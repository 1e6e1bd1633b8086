namespace DataTier.Core.Rebalancing.Moves;

/// <summary>How far a move has got; stored as JSON with the move and updated at every step.</summary>
public sealed class MoveProgress
{
    /// <summary>The current step (<see cref="MovePhases"/>).</summary>
    public string Phase { get; set; } = MovePhases.Preparing;

    /// <summary>Each (source, target) pair.</summary>
    public List<PairProgress> Pairs { get; set; } = [];

    /// <summary>When copying began.</summary>
    public DateTimeOffset? CopyStartedAt { get; set; }

    /// <summary>When copying ended.</summary>
    public DateTimeOffset? CopyFinishedAt { get; set; }

    /// <summary>Fences taken so far (more than one when catch-up did not finish within the pause).</summary>
    public int FenceAttempts { get; set; }

    /// <summary>When the latest fence was taken (to measure a fence whose driver died in it).</summary>
    public DateTimeOffset? FenceStartedAt { get; set; }

    /// <summary>The longest time writes were held by a fence of this move (ms).</summary>
    public double? LongestWritePauseMs { get; set; }

    /// <summary>The topology version the switch created.</summary>
    public long? ToVersion { get; set; }

    /// <summary>When the routing switched.</summary>
    public DateTimeOffset? SwitchedAt { get; set; }

    /// <summary>Whether both sides' counts and checksums matched for every moved range.</summary>
    public bool? Verified { get; set; }

    /// <summary>Why the move is being rolled back: "cancelled", or the error that stopped it.</summary>
    public string? RollbackReason { get; set; }

    /// <summary>Events worth a DBA's attention (fence attempts that timed out, takeovers, retried errors).</summary>
    public List<string> Notes { get; set; } = [];

    /// <summary>Adds a note, keeping the last 50.</summary>
    public void Note(string text)
    {
        Notes.Add($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {text}");
        if (Notes.Count > 50)
        {
            Notes.RemoveAt(0);
        }
    }
}
