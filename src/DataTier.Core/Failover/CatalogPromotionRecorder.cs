using DataTier.Core.Topology;

namespace DataTier.Core.Failover;

/// <summary>
/// Records a followed promotion as a new topology version in the catalog, written only if the newest version is
/// still the one the finding was made on: every instance sees the promotion and proposes the change, one writes it,
/// and all of them load it from the catalog's notification (or the poll).
/// </summary>
internal sealed class CatalogPromotionRecorder(CatalogTopologyStore store, CatalogTopologyProvider provider, TimeProvider time) : IPromotionRecorder
{
    /// <inheritdoc />
    public async Task<bool> RecordAsync(TopologySnapshot seen, PromotionFinding finding, CancellationToken cancellationToken)
    {
        bool written;
        try
        {
            written = await store.TryChangeAsync(
                seen.Version,
                document => TopologyChanges.FollowPromotion(document, finding.ShardId, finding.Replaced.ConnectionString, finding.Promoted.ConnectionString, finding.Timeline, finding.ReplacedTimeline, time.GetUtcNow()),
                cancellationToken).ConfigureAwait(false) is not null;
        }
        catch (TopologyChangeException)
        {
            // The newest version no longer has the failed primary (the same version number cannot, so this is a race
            // with an operator's edit): nothing to write; the reload below brings whatever is in force.
            written = false;
        }

        await provider.RefreshAsync(cancellationToken).ConfigureAwait(false);
        return written;
    }
}
