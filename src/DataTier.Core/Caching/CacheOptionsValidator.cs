using Microsoft.Extensions.Options;

namespace DataTier.Core.Caching;

/// <summary>Validates cache settings, naming each bad one.</summary>
public sealed class CacheOptionsValidator : IValidateOptions<CacheOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CacheOptions options)
    {
        var errors = new List<string>();
        if (options.L1MaxBytes < 1024)
        {
            errors.Add($"DataTier:Cache:L1MaxBytes is {options.L1MaxBytes}; it must be at least 1024.");
        }

        if (!(options.MinTtlSeconds > 0) || !(options.MaxTtlSeconds >= options.MinTtlSeconds))
        {
            errors.Add($"DataTier:Cache:MinTtlSeconds ({options.MinTtlSeconds}) must be > 0 and at most MaxTtlSeconds ({options.MaxTtlSeconds}).");
        }

        if (!(options.BaseTtlSeconds > 0))
        {
            errors.Add($"DataTier:Cache:BaseTtlSeconds is {options.BaseTtlSeconds}; it must be greater than 0.");
        }

        if (!(options.L1MaxTtlSeconds > 0))
        {
            errors.Add($"DataTier:Cache:L1MaxTtlSeconds is {options.L1MaxTtlSeconds}; it must be greater than 0.");
        }

        foreach (var (table, ttl) in options.TableTtlSeconds.Where(kv => !(kv.Value >= 0)))
        {
            errors.Add($"DataTier:Cache:TableTtlSeconds:{table} is {ttl}; it must be 0 (never cache) or more.");
        }

        if (options.RedisTimeoutMs is < 10 or > 60_000)
        {
            errors.Add($"DataTier:Cache:RedisTimeoutMs is {options.RedisTimeoutMs}; it must be between 10 and 60000.");
        }

        if (options.MaxStalenessMs is < 1 or > 60_000)
        {
            errors.Add($"DataTier:Cache:MaxStalenessMs is {options.MaxStalenessMs}; it must be between 1 and 60000.");
        }

        if (options.HeartbeatIntervalMs < 1 || options.HeartbeatIntervalMs * 2 > options.MaxStalenessMs)
        {
            errors.Add($"DataTier:Cache:HeartbeatIntervalMs is {options.HeartbeatIntervalMs}; it must be at least 1 and at most half of MaxStalenessMs ({options.MaxStalenessMs}), or hits would rarely find the feed fresh.");
        }

        if (!(options.RefreshAheadBeta >= 0))
        {
            errors.Add($"DataTier:Cache:RefreshAheadBeta is {options.RefreshAheadBeta}; it must be 0 or more.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
