using DataTier.Core.Topology;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Rebalancing.Moves;

/// <summary>
/// Starting, watching and cancelling moves. Starting one fixes its spec from the topology in force (routing weights
/// now, desired weights as the target), records it as running, and wakes this instance's runner to drive it.
/// </summary>
public sealed class RebalanceMoves(
    MoveStore store,
    RebalancePlanner planner,
    IServiceProvider services,
    IOptions<RebalancingOptions> options,
    TimeProvider time)
{
    /// <summary>Starts moving rows from the routing ring to the desired ring.</summary>
    public async Task<MoveStatus> StartAsync(int? maxWritePauseMs, CancellationToken cancellationToken)
    {
        var topologyStore = services.GetService<CatalogTopologyStore>();
        var runner = services.GetService<RebalanceRunner>();
        if (topologyStore is null || runner is null)
        {
            throw new TopologyChangeException("topology-not-in-catalog", "The topology comes from configuration (DataTier:Topology:Store = Configuration); rows can only move with the catalog store.", conflict: true);
        }

        int pause = maxWritePauseMs ?? options.Value.MaxWritePauseMs;
        if (pause is < 50 or > 60_000)
        {
            throw new TopologyChangeException("invalid-write-pause", $"maxWritePauseMs is {pause}; it must be between 50 and 60000.");
        }

        var plan = await planner.PlanAsync(cancellationToken).ConfigureAwait(false);
        if (plan.Blockers.Count > 0)
        {
            throw new TopologyChangeException("rebalance-blocked", string.Join(" ", plan.Blockers), conflict: true);
        }

        if (plan.Moves.Count == 0)
        {
            throw new TopologyChangeException("nothing-to-move", "The routing ring is the desired ring: no hash range changes owner. Add, drain or re-weight a shard first.", conflict: true);
        }

        var latest = await topologyStore.LoadLatestAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new TopologyChangeException("no-topology", "The catalog holds no topology yet.", conflict: true);
        if (latest.Version != plan.TopologyVersion)
        {
            throw new TopologyChangeException("topology-changed", $"The topology changed (version {latest.Version}) while the plan was made (version {plan.TopologyVersion}); try again.", conflict: true);
        }

        var document = latest.Document;
        var spec = new MoveSpec(
            latest.Version,
            document.VirtualNodesPerWeight,
            document.Shards.ToDictionary(s => s.Id, s => s.Weight, StringComparer.Ordinal),
            document.Shards.ToDictionary(s => s.Id, s => s.DesiredWeight, StringComparer.Ordinal),
            await planner.ShardedTablesAsync(cancellationToken).ConfigureAwait(false),
            pause)
        {
            PlannedRanges = plan.Moves,
        };
        var progress = new MoveProgress
        {
            Pairs = spec.Ranges().Pairs.Select(p => new PairProgress
            {
                From = p.From,
                To = p.To,
                Ranges = p.Segments,
                RowsPlanned = plan.Moves.Where(m => m.From == p.From && m.To == p.To).Sum(m => m.Rows),
            }).ToList(),
        };
        long id = await store.InsertAsync(spec, progress, runner.Instance, options.Value.MoveLeaseSeconds, cancellationToken).ConfigureAwait(false);
        runner.Wake();
        return MoveStatus.From((await store.GetAsync(id, cancellationToken).ConfigureAwait(false))!, time.GetUtcNow());
    }

    /// <summary>One move, or null; with <paramref name="ranges"/>, each moving range and its state too.</summary>
    public async Task<MoveStatus?> GetAsync(long id, bool ranges, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } move ? MoveStatus.From(move, time.GetUtcNow(), ranges) : null;

    /// <summary>The newest moves first.</summary>
    public async Task<IReadOnlyList<MoveStatus>> ListAsync(int limit, CancellationToken cancellationToken) =>
        (await store.ListAsync(limit, cancellationToken).ConfigureAwait(false)).Select(m => MoveStatus.From(m, time.GetUtcNow())).ToList();

    /// <summary>Asks for a running move to be cancelled (rolled back); refused once it has switched.</summary>
    public async Task<MoveStatus> CancelAsync(long id, CancellationToken cancellationToken)
    {
        if (await store.RequestCancelAsync(id, cancellationToken).ConfigureAwait(false) is { } move)
        {
            return MoveStatus.From(move, time.GetUtcNow());
        }

        var existing = await store.GetAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new TopologyChangeException("unknown-move", $"There is no move {id}.", conflict: false);
        throw existing.State == MoveStates.Running
            ? new TopologyChangeException("rebalance-switched", $"Move {id} has switched the routing already ({existing.Progress.Phase}); it can no longer be cancelled. Plan a move back instead.", conflict: true)
            : new TopologyChangeException("rebalance-finished", $"Move {id} has ended ({existing.State}).", conflict: true);
    }
}
