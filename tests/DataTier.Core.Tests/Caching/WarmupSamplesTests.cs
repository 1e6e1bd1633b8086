using DataTier.Core.Caching;
using DataTier.Core.Diagnostics;
using DataTier.Core.Execution;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Tests.Caching;

public sealed class WarmupSamplesTests
{
    private static readonly QueryDigest Digest = new(Options.Create(new DigestOptions()), TimeProvider.System);

    private static WarmupSample Sample(string sql, ulong id) => new("team-1", new BoundStatement(sql, [], sql, id), [], null, 100, 1000);

    [Fact]
    public void A_read_that_bypassed_the_cache_is_replayable_but_never_warmed_into_it()
    {
        var samples = new WarmupSamples();

        samples.Record(Sample("select 1", 1), cacheable: false);

        Assert.Empty(samples.MostFrequent(Digest, 10));
        Assert.Equal("select 1", Assert.Single(samples.MostFrequentOfAnyKind(Digest, 10)).Sample.Statement.Sql);
    }

    [Fact]
    public void A_bypassing_read_does_not_replace_the_latest_cacheable_read_of_its_shape()
    {
        var samples = new WarmupSamples();
        var cached = Sample("select 1", 1);
        var bypassed = Sample("select 1", 1);

        samples.Record(cached);
        samples.Record(bypassed, cacheable: false);

        Assert.Same(cached, Assert.Single(samples.MostFrequent(Digest, 10)).Sample);
        Assert.Same(bypassed, Assert.Single(samples.MostFrequentOfAnyKind(Digest, 10)).Sample);
    }
}
