namespace DataTier.Core.Diagnostics;

/// <summary>Where a recorded statement was served.</summary>
public enum DigestRole
{
    /// <summary>A shard primary.</summary>
    Primary,

    /// <summary>A replica.</summary>
    Replica,

    /// <summary>The query-result cache.</summary>
    Cache,
}
