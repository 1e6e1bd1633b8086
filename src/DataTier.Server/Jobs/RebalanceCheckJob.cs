using DataTier.Core.Diagnostics;
using DataTier.Core.Rebalancing;
using DataTier.Core.Topology;
using Quartz;

namespace DataTier.Server.Jobs;

/// <summary>
/// The scheduled rebalancing check. Quartz runs clustered on the catalog, so each firing runs on exactly one DataTier
/// instance, and never two at once.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class RebalanceCheckJob(RebalanceCheck check, ILogger<RebalanceCheckJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("rebalance-check", "datatier");

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // The instance and the scheduled fire time: each firing is recorded once, by the instance that ran it.
            string firing = $"{context.Scheduler.SchedulerInstanceId}@{context.ScheduledFireTimeUtc?.ToUnixTimeMilliseconds()}";
            var outcome = await check.RunAsync(firing, cancellationToken);
            if (outcome.Proposal is { } proposal)
            {
                Log.Proposed(logger, proposal.Id, outcome.Imbalance, proposal.Status);
            }
            else
            {
                Log.Balanced(logger, outcome.Imbalance);
            }
        }
        catch (TopologyChangeException e) when (e.Code == "topology-not-in-catalog")
        {
            Log.NotInCatalog(logger);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.RebalanceProposed, EventName = "RebalanceProposed", Level = LogLevel.Information, Message = "Rebalancing check: imbalance {Imbalance:0.000}, proposal {Id} recorded ({Status})")]
        public static partial void Proposed(ILogger logger, long id, double imbalance, string status);

        [LoggerMessage(EventId = LogEventIds.RebalanceBalanced, EventName = "RebalanceBalanced", Level = LogLevel.Debug, Message = "Rebalancing check: imbalance {Imbalance:0.000}, within the threshold")]
        public static partial void Balanced(ILogger logger, double imbalance);

        [LoggerMessage(EventId = LogEventIds.RebalanceNotInCatalog, EventName = "RebalanceNotInCatalog", Level = LogLevel.Debug, Message = "Rebalancing check skipped: this instance routes by the configured topology")]
        public static partial void NotInCatalog(ILogger logger);
    }
}
