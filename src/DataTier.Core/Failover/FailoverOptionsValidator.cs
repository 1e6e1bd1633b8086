using Microsoft.Extensions.Options;

namespace DataTier.Core.Failover;

/// <summary>Validates failover-following settings, collecting every error.</summary>
internal sealed class FailoverOptionsValidator : IValidateOptions<FailoverOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FailoverOptions options)
    {
        var errors = new List<string>();
        if (options.PrimaryFailuresBeforeFollowing is < 1 or > 100)
        {
            errors.Add($"DataTier:Failover:PrimaryFailuresBeforeFollowing is {options.PrimaryFailuresBeforeFollowing}; it must be between 1 and 100.");
        }

        if (options.RecordTimeoutMs is < 100 or > 600_000)
        {
            errors.Add($"DataTier:Failover:RecordTimeoutMs is {options.RecordTimeoutMs}; it must be between 100 and 600000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
