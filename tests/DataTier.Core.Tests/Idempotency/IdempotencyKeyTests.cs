using DataTier.Core.Errors;
using DataTier.Core.Idempotency;

namespace DataTier.Core.Tests.Idempotency;

public sealed class IdempotencyKeyTests
{
    [Theory]
    [InlineData("3f2c1a9e-4b7d-4c55-9a1e-0d6f1f2b7c10")]
    [InlineData("a")]
    [InlineData("order:42/attempt#1!~")]
    public void Visible_ascii_keys_up_to_255_characters_are_accepted(string key)
    {
        Assert.Equal(key, IdempotencyKey.Validate(key));
        Assert.Equal(new string('k', 255), IdempotencyKey.Validate(new string('k', 255)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("trailing-newline\n")]
    [InlineData("tab\there")]
    [InlineData("caf\u00e9")]
    [InlineData("nul\0")]
    public void Empty_whitespace_control_and_non_ascii_keys_are_refused(string? key)
    {
        var error = Assert.Throws<DataTierException>(() => IdempotencyKey.Validate(key));
        Assert.Equal(DataTierErrorKind.BadRequest, error.Kind);
        Assert.Equal("invalid-idempotency-key", error.Code);
    }

    [Fact]
    public void A_key_of_256_characters_is_refused_naming_its_length()
    {
        var error = Assert.Throws<DataTierException>(() => IdempotencyKey.Validate(new string('k', 256)));
        Assert.Equal("invalid-idempotency-key", error.Code);
        Assert.Contains("256", error.Message, StringComparison.Ordinal);
    }
}
