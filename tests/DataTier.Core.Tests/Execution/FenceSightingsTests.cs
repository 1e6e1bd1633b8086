using DataTier.Core.Execution;

namespace DataTier.Core.Tests.Execution;

public sealed class FenceSightingsTests
{
    [Fact]
    public void A_primary_seen_fenced_is_trusted_until_a_write_succeeds_there_and_no_other_is()
    {
        var fences = new FenceSightings(new ManualClock());
        Assert.False(fences.SeenWithin("a:5432/db", 20_000));

        fences.Seen("a:5432/db");
        Assert.True(fences.SeenWithin("a:5432/db", 20_000));
        Assert.False(fences.SeenWithin("b:5432/db", 20_000));

        fences.Cleared("b:5432/db");
        Assert.True(fences.SeenWithin("a:5432/db", 20_000));
        fences.Cleared("a:5432/db");
        Assert.False(fences.SeenWithin("a:5432/db", 20_000));
    }

    [Fact]
    public void A_sighting_older_than_the_bound_is_not_trusted()
    {
        var clock = new ManualClock();
        var fences = new FenceSightings(clock);
        fences.Seen("a:5432/db");
        clock.Advance(TimeSpan.FromMilliseconds(30));
        Assert.False(fences.SeenWithin("a:5432/db", 30));
        Assert.True(fences.SeenWithin("a:5432/db", 31));
    }

    // A clock that moves only when told: timestamps in ticks of 100 ns.
    private sealed class ManualClock : TimeProvider
    {
        private long _now = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks;
    }
}
