using DataTier.Core.Switchover;

namespace DataTier.Core.Tests.Switchover;

public sealed class PatroniPromoterOptionsValidatorTests
{
    private static readonly PatroniPromoterOptionsValidator Validator = new();

    [Fact]
    public void Patroni_settings_are_not_checked_while_pg_promote_is_the_promoter()
    {
        var result = Validator.Validate(null, new SwitchoverOptions { Patroni = new() { RequestTimeoutMs = 1 } });
        Assert.True(result.Skipped);
    }

    [Fact]
    public void The_patroni_promoter_with_rest_urls_and_the_default_timeout_is_valid()
    {
        var result = Validator.Validate(null, new SwitchoverOptions { Promoter = "patroni", Patroni = new() { RestUrls = ["http://127.0.0.1:8008", "https://db1:8008/"] } });
        Assert.True(result.Succeeded);
    }

    [Fact]
    public void No_rest_url_a_relative_url_and_a_timeout_as_long_as_the_promotion_are_all_reported()
    {
        var none = Validator.Validate(null, new SwitchoverOptions { Promoter = "Patroni" });
        Assert.Contains("DataTier:Switchover:Patroni:RestUrls is empty", Assert.Single(none.Failures!), StringComparison.Ordinal);

        var bad = Validator.Validate(null, new SwitchoverOptions { Promoter = "patroni", PromoteTimeoutMs = 2000, Patroni = new() { RestUrls = ["127.0.0.1:8008", "ftp://x"], RequestTimeoutMs = 2000 } });
        Assert.Equal(3, bad.Failures!.Count());
        Assert.Contains(bad.Failures!, f => f.Contains("RestUrls:0 is '127.0.0.1:8008'", StringComparison.Ordinal));
        Assert.Contains(bad.Failures!, f => f.Contains("RestUrls:1 is 'ftp://x'", StringComparison.Ordinal));
        Assert.Contains(bad.Failures!, f => f.Contains("RequestTimeoutMs is 2000, not below DataTier:Switchover:PromoteTimeoutMs (2000)", StringComparison.Ordinal));
    }
}
