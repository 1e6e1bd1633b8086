namespace DataTier.Core.Consistency;

/// <summary>How fresh a read must be.</summary>
public enum ConsistencyLevel
{
    /// <summary>Any healthy replica within the lag bound (or the primary when none qualifies).</summary>
    Eventual,

    /// <summary>The primary.</summary>
    Strong,

    /// <summary>A replica that has replayed the session's writes (from its token), else the primary.</summary>
    Session,
}
