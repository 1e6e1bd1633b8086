using DataTier.Core.Advice;
using DataTier.Core.Advice.Validation;

namespace DataTier.Core.Tests.Advice.Validation;

public sealed class SpeedupDecisionTests
{
    [Fact]
    public void Decide_keeps_an_index_whose_measured_speedup_reaches_the_threshold()
    {
        var (kept, speedUp, reason) = SpeedupDecision.Decide([(new StatementMeasurement("f1", 5, 10, 2, null), 100)], 2.0);

        Assert.True(kept);
        Assert.Equal(5.0, speedUp);
        Assert.Contains("at least DataTier:Advisor:MinMeasuredSpeedup (2x)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_drops_an_index_below_the_threshold_and_says_so()
    {
        var (kept, speedUp, reason) = SpeedupDecision.Decide([(new StatementMeasurement("f1", 5, 3, 2, null), 100)], 2.0);

        Assert.False(kept);
        Assert.Equal(1.5, speedUp);
        Assert.Contains("below DataTier:Advisor:MinMeasuredSpeedup (2x)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_weights_statements_by_calls_so_a_rare_statement_cannot_carry_the_index()
    {
        var statements = new List<(StatementMeasurement, long)>
        {
            (new StatementMeasurement("rare", 5, 100, 1, null), 1),
            (new StatementMeasurement("busy", 5, 1, 1, null), 1000),
        };

        var (kept, speedUp, _) = SpeedupDecision.Decide(statements, 2.0);

        Assert.False(kept);
        Assert.Equal(1.1, speedUp);
    }

    [Fact]
    public void Decide_keeps_unmeasured_advice_marked_as_not_measured_with_the_reason()
    {
        var (kept, speedUp, reason) = SpeedupDecision.Decide([(new StatementMeasurement("f1", 0, null, null, "no parameter values DataTier saw"), 10)], 2.0);

        Assert.True(kept);
        Assert.Null(speedUp);
        Assert.Equal("not measured: no parameter values DataTier saw", reason);
    }

    [Fact]
    public void Decide_ignores_unmeasured_statements_next_to_measured_ones()
    {
        var statements = new List<(StatementMeasurement, long)>
        {
            (new StatementMeasurement("seen", 5, 8, 2, null), 10),
            (new StatementMeasurement("unseen", 0, null, null, "no values"), 1000),
        };

        Assert.Equal((true, 4.0), SpeedupDecision.Decide(statements, 2.0) is var d ? (d.Kept, d.SpeedUp) : default);
    }

    [Theory]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0)]
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5)]
    public void Median_is_the_middle_value(double[] values, double expected) => Assert.Equal(expected, SpeedupDecision.Median(values));

    [Theory]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Options_reject_a_MinMeasuredSpeedup_below_1_naming_the_setting(double value)
    {
        var result = new AdvisorOptionsValidator().Validate(null, new AdvisorOptions { MinMeasuredSpeedup = value });

        Assert.True(result.Failed);
        Assert.Contains("DataTier:Advisor:MinMeasuredSpeedup", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_accept_the_default_and_a_high_MinMeasuredSpeedup()
    {
        Assert.True(new AdvisorOptionsValidator().Validate(null, new AdvisorOptions()).Succeeded);
        Assert.True(new AdvisorOptionsValidator().Validate(null, new AdvisorOptions { MinMeasuredSpeedup = 1000 }).Succeeded);
    }
}
