namespace DataTier.Core.Rebalancing.Moves;

/// <summary>The steps of a move, in order, as stored in the catalog and shown by the API.</summary>
public static class MovePhases
{
    /// <summary>Installing change capture on the sources.</summary>
    public const string Preparing = "preparing";

    /// <summary>Copying the moving ranges' rows to their targets.</summary>
    public const string Copying = "copying";

    /// <summary>Applying the changes captured since the copy began.</summary>
    public const string CatchingUp = "catching-up";

    /// <summary>Writes to the moving ranges are held while the last changes are applied and the routing switches.</summary>
    public const string Fencing = "fencing";

    /// <summary>The routing has switched; the copies are being verified.</summary>
    public const string Switched = "switched";

    /// <summary>Deleting the moved rows from the sources after the grace period.</summary>
    public const string CleaningUp = "cleaning-up";

    /// <summary>Undoing a move that did not switch: copies deleted from the targets, capture removed.</summary>
    public const string RollingBack = "rolling-back";

    /// <summary>Finished.</summary>
    public const string Done = "done";
}
