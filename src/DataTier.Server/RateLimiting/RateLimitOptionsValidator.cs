using Microsoft.Extensions.Options;

namespace DataTier.Server.RateLimiting;

/// <summary>Validates the rate limit, naming the settings.</summary>
public sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        options.RequestsPerSecond < 0 || options.Burst < 0
            ? ValidateOptionsResult.Fail($"DataTier:RateLimit:RequestsPerSecond ({options.RequestsPerSecond}) and Burst ({options.Burst}) must be 0 or more.")
            : ValidateOptionsResult.Success;
}
