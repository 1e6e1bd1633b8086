using Microsoft.Extensions.Options;

namespace DataTier.Core.Health;

/// <summary>Validates probe settings.</summary>
public sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        var errors = new List<string>();
        if (options.ProbeIntervalMs is < 50 or > 600_000)
        {
            errors.Add($"DataTier:Health:ProbeIntervalMs is {options.ProbeIntervalMs}; it must be between 50 and 600000.");
        }

        if (options.ProbeTimeoutMs is < 50 or > 600_000)
        {
            errors.Add($"DataTier:Health:ProbeTimeoutMs is {options.ProbeTimeoutMs}; it must be between 50 and 600000.");
        }

        if (!(options.MaxReplicaLagSeconds >= 0))
        {
            errors.Add($"DataTier:Health:MaxReplicaLagSeconds is {options.MaxReplicaLagSeconds}; it must be 0 or more.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
