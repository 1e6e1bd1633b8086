using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Advice;

/// <summary>Two DataTier instances share one Quartz cluster in the catalog: each firing of the advice job runs on one.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ScheduledAdviceJobTests(ClusterFixture fixture)
{
    [Fact]
    public async Task With_two_instances_each_scheduled_firing_runs_on_exactly_one()
    {
        var since = await Db.ScalarAsync<DateTime>(fixture.Manifest.CatalogAdmin, "select now()::timestamp");
        var everyTwoSeconds = new Dictionary<string, string?> { ["DataTier:Advisor:Schedule"] = "0/2 * * * * ?" };
        try
        {
            await using (var a = await DataTierServer.StartAsync(fixture, everyTwoSeconds))
            await using (var b = await DataTierServer.StartAsync(fixture, everyTwoSeconds))
            {
                await Task.Delay(TimeSpan.FromSeconds(11));
            }

            var runs = await Db.StringsAsync(fixture.Manifest.CatalogAdmin,
                $"select trigger || ' ' || instance from datatier.advisor_runs where trigger like 'schedule:%' and started_at >= '{since:O}'::timestamp order by id");
            var firings = runs.Select(r => r.Split(' ')[0]).ToList();
            Assert.True(firings.Count >= 3, $"the job fired: {string.Join("; ", runs)}");
            Assert.Equal(firings.Count, firings.Distinct().Count());
        }
        finally
        {
            // Put the nightly schedule back in the shared job store.
            await using var restore = await DataTierServer.StartAsync(fixture);
        }
    }
}
