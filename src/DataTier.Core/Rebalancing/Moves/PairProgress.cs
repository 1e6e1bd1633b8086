namespace DataTier.Core.Rebalancing.Moves;

/// <summary>How far the rows from one shard to another have got (persisted with the move).</summary>
public sealed class PairProgress
{
    /// <summary>The source shard.</summary>
    public string From { get; set; } = "";

    /// <summary>The target shard.</summary>
    public string To { get; set; } = "";

    /// <summary>Ring segments moving from <see cref="From"/> to <see cref="To"/>.</summary>
    public int Ranges { get; set; }

    /// <summary>copying, catching-up, fenced, switched, cleaning-up, done, failed, cancelled.</summary>
    public string State { get; set; } = "waiting";

    /// <summary>Rows the plan counted when the move started.</summary>
    public long RowsPlanned { get; set; }

    /// <summary>Rows copied so far (a resumed copy counts a slice's rows again).</summary>
    public long RowsCopied { get; set; }

    /// <summary>Captured changes applied to the target.</summary>
    public long ChangesApplied { get; set; }

    /// <summary>Per table, how many of its copy slices are done.</summary>
    public Dictionary<string, int> SlicesDone { get; set; } = [];

    /// <summary>Per table, "rows/checksum" on both sides once verified, or what differed.</summary>
    public Dictionary<string, string> Verification { get; set; } = [];
}
