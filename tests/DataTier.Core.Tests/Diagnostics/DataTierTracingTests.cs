using System.Diagnostics;
using DataTier.Core.Diagnostics;

namespace DataTier.Core.Tests.Diagnostics;

// One class: xunit runs its tests one after another, so the listener one test adds is never seen by the other.
public sealed class DataTierTracingTests
{
    private const string Sql = "select name from teams where team_id = $1";

    [Fact]
    public void With_no_listener_no_span_is_created_and_the_sql_is_the_same_string()
    {
        Assert.False(DataTierTracing.Enabled);
        Assert.Null(DataTierTracing.Source.StartActivity(DataTierTracing.Spans.ShardQuery));
        Assert.Same(Sql, SqlCommenter.Apply(Sql));
    }

    [Fact]
    public void A_recorded_span_puts_its_traceparent_first_and_an_unrecorded_one_changes_nothing()
    {
        var sampling = ActivitySamplingResult.AllDataAndRecorded;
        using var listener = new ActivityListener
        {
            ShouldListenTo = static s => s.Name == DataTierTracing.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => sampling,
        };
        ActivitySource.AddActivityListener(listener);

        using (var recorded = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.ShardQuery))
        {
            Assert.NotNull(recorded);
            string text = SqlCommenter.Apply(Sql);
            Assert.Equal($"/*traceparent='00-{recorded.TraceId}-{recorded.SpanId}-01'*/ {Sql}", text);
        }

        // Propagated but not sampled: the statement keeps its exact text, so it stays prepared.
        sampling = ActivitySamplingResult.PropagationData;
        using (var unrecorded = DataTierTracing.Source.StartActivity(DataTierTracing.Spans.ShardQuery))
        {
            Assert.NotNull(unrecorded);
            Assert.False(unrecorded.Recorded);
            Assert.Same(Sql, SqlCommenter.Apply(Sql));
        }
    }
}
