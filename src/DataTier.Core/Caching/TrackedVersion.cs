namespace DataTier.Core.Caching;

/// <summary>
/// A table version as this instance knows it, with the feed epoch it was read or heard in. The value stays current
/// (up to the feed's last heartbeat) only while that epoch lasts: a broken subscription may have lost messages.
/// </summary>
internal readonly record struct TrackedVersion(TableVersion Version, int Epoch)
{
    /// <summary>The newer version, keeping the tracking epoch of the one already held.</summary>
    public TrackedVersion Merge(TableVersion heard) => new(Version.Max(heard), Epoch);
}
