namespace DataTier.Core.Rebalancing.Moves;

/// <summary>The overall state of a move.</summary>
public static class MoveStates
{
    /// <summary>Some instance drives it (or will take it over).</summary>
    public const string Running = "running";

    /// <summary>Every range switched, verified and cleaned up.</summary>
    public const string Done = "done";

    /// <summary>Stopped by an error; see its error and notes.</summary>
    public const string Failed = "failed";

    /// <summary>Cancelled before the switch and rolled back.</summary>
    public const string Cancelled = "cancelled";
}
