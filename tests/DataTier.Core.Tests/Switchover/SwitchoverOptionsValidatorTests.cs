using DataTier.Core.Execution;
using DataTier.Core.Switchover;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Switchover;

public sealed class SwitchoverOptionsValidatorTests
{
    private static ValidateOptionsResult Validate(SwitchoverOptions options, int fencedWriteWaitMs = 20_000) =>
        new SwitchoverOptionsValidator([new PgPromotePromoter()], Options.Create(new DataApiOptions { FencedWriteWaitMs = fencedWriteWaitMs })).Validate(null, options);

    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(Validate(new SwitchoverOptions()).Succeeded);
    }

    [Fact]
    public void Bounds_that_outlast_the_held_writes_wait_are_refused_naming_both_settings()
    {
        var result = Validate(new SwitchoverOptions { MaxWritePauseMs = 5000, PromoteTimeoutMs = 10_000 }, fencedWriteWaitMs: 15_000);
        Assert.True(result.Failed);
        string error = Assert.Single(result.Failures!);
        Assert.Contains("MaxWritePauseMs + PromoteTimeoutMs is 15000 ms", error, StringComparison.Ordinal);
        Assert.Contains("FencedWriteWaitMs (15000)", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_promoter_and_out_of_range_bounds_are_all_reported()
    {
        var result = Validate(new SwitchoverOptions { Promoter = "patroni", MaxWritePauseMs = 1, PromoteTimeoutMs = 1, MaxLagBytes = -1 });
        Assert.Equal(4, result.Failures!.Count());
        Assert.Contains(result.Failures!, f => f.Contains("Promoter is 'patroni'; use one of pg_promote", StringComparison.Ordinal));
    }
}
