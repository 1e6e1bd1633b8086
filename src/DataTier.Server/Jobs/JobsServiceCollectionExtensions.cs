using DataTier.Core.Advice;
using DataTier.Core.Rebalancing;
using DataTier.Migrations.Catalog;
using Quartz;

namespace DataTier.Server.Jobs;

/// <summary>Registers the scheduled jobs.</summary>
public static class JobsServiceCollectionExtensions
{
    /// <summary>
    /// Adds Quartz with a clustered job store in the catalog (tables <c>datatier.qrtz_*</c>, created by
    /// <c>datatier migrate catalog</c>), the index-advice job on its cron schedule and the rebalancing check every
    /// <c>DataTier:Rebalancing:IntervalSeconds</c>. Without a catalog there are no jobs.
    /// </summary>
    public static IServiceCollection AddDataTierJobs(this IServiceCollection services, IConfiguration configuration)
    {
        string? catalog = configuration["DataTier:Catalog:ConnectionString"];
        if (string.IsNullOrWhiteSpace(catalog))
        {
            return services;
        }

        var advisor = configuration.GetSection(AdvisorOptions.SectionName).Get<AdvisorOptions>() ?? new AdvisorOptions();
        var rebalancing = configuration.GetSection(RebalancingOptions.SectionName).Get<RebalancingOptions>() ?? new RebalancingOptions();
        services.AddQuartz("DataTier", q =>
        {
            // Every instance gets its own id; the shared scheduler name is what makes them one cluster.
            q.ConfigureScheduler(o => o.GenerateInstanceId = true);
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(catalog);
                store.ConfigureStore(o => o.TablePrefix = SchedulerAndAdvisorSchema.QuartzTablePrefix);
                store.UseSystemTextJsonSerializer(_ => { });
                store.UseClustering(c => c.CheckinInterval = TimeSpan.FromSeconds(5));
            });
            q.AddJob<IndexAdviceJob>(j => j.WithIdentity(IndexAdviceJob.Key).StoreDurably());
            if (!string.IsNullOrWhiteSpace(advisor.Schedule))
            {
                q.AddTrigger(t => t.ForJob(IndexAdviceJob.Key).WithIdentity("index-advice-schedule", "datatier")
                    .WithCronSchedule(advisor.Schedule, c => c.InTimeZone(TimeZoneInfo.Utc).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing)));
            }

            q.AddJob<RebalanceCheckJob>(j => j.WithIdentity(RebalanceCheckJob.Key).StoreDurably());
            if (rebalancing.IntervalSeconds > 0)
            {
                q.AddTrigger(t => t.ForJob(RebalanceCheckJob.Key).WithIdentity("rebalance-check-schedule", "datatier")
                    .StartAt(DateTimeOffset.UtcNow.AddSeconds(rebalancing.IntervalSeconds))
                    .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(rebalancing.IntervalSeconds)).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            }
        });
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = false);
        return services;
    }
}
