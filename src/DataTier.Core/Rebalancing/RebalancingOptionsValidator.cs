using Microsoft.Extensions.Options;

namespace DataTier.Core.Rebalancing;

/// <summary>Validates <see cref="RebalancingOptions"/> at start-up.</summary>
public sealed class RebalancingOptionsValidator : IValidateOptions<RebalancingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RebalancingOptions options)
    {
        var errors = new List<string>();
        if (options.IntervalSeconds is < 0 or > 7 * 24 * 3600)
        {
            errors.Add($"DataTier:Rebalancing:IntervalSeconds is {options.IntervalSeconds}; it must be between 0 (off) and 604800.");
        }

        if (!double.IsFinite(options.Threshold) || options.Threshold < 1)
        {
            errors.Add($"DataTier:Rebalancing:Threshold is {options.Threshold}; it must be 1 or more (the most loaded shard against the mean).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
