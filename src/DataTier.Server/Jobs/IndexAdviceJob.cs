using DataTier.Core.Advice;
using DataTier.Core.Diagnostics;
using DataTier.Core.Errors;
using Microsoft.Extensions.Options;
using Quartz;

namespace DataTier.Server.Jobs;

/// <summary>
/// The scheduled index advisor. Quartz runs clustered on the catalog, so each firing runs on exactly one DataTier
/// instance; the advisor's own catalog lock also keeps it from overlapping a run started through the API.
/// </summary>
[DisallowConcurrentExecution]
public sealed partial class IndexAdviceJob(IndexAdvisor advisor, AdviceStore store, IOptions<AdvisorOptions> options, ILogger<IndexAdviceJob> logger) : IJob
{
    /// <summary>The job's key.</summary>
    public static readonly JobKey Key = new("index-advice", "datatier");

    /// <inheritdoc />
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        string trigger = "schedule:" + context.ScheduledFireTimeUtc?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            var report = await advisor.RunAsync(trigger, context.Scheduler.SchedulerInstanceId, cancellationToken);
            if (options.Value.WriteScriptsOnSchedule)
            {
                var files = AdviceScriptWriter.Write(report, Path.GetFullPath(options.Value.ScriptDirectory));
                if (files.Count > 0)
                {
                    await store.MarkWrittenAsync(report.RunId, files[0], cancellationToken);
                }
            }
        }
        catch (DataTierException e) when (e.Code == "advisor-running")
        {
            Log.Skipped(logger);
            await store.RecordSkippedAsync(trigger, context.Scheduler.SchedulerInstanceId, cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.AdviceJobSkipped, EventName = "AdviceJobSkipped", Level = LogLevel.Information, Message = "Scheduled index advice skipped: a run is already in progress")]
        public static partial void Skipped(ILogger logger);
    }
}
