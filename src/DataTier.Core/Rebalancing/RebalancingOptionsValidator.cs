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

        if (options.MaxWritePauseMs is < 50 or > 60_000)
        {
            errors.Add($"DataTier:Rebalancing:MaxWritePauseMs is {options.MaxWritePauseMs}; it must be between 50 and 60000.");
        }

        if (options.CopyBatchRows is < 1 or > 100_000)
        {
            errors.Add($"DataTier:Rebalancing:CopyBatchRows is {options.CopyBatchRows}; it must be between 1 and 100000.");
        }

        if (options.CopyRowsPerSecond < 0)
        {
            errors.Add($"DataTier:Rebalancing:CopyRowsPerSecond is {options.CopyRowsPerSecond}; it must be 0 (no limit) or more.");
        }

        if (options.CleanupGraceSeconds is < 0 or > 86_400)
        {
            errors.Add($"DataTier:Rebalancing:CleanupGraceSeconds is {options.CleanupGraceSeconds}; it must be between 0 and 86400.");
        }

        if (options.MoveLeaseSeconds is < 2 or > 600)
        {
            errors.Add($"DataTier:Rebalancing:MoveLeaseSeconds is {options.MoveLeaseSeconds}; it must be between 2 and 600.");
        }

        if (options.FenceBacklogRows < 0)
        {
            errors.Add($"DataTier:Rebalancing:FenceBacklogRows is {options.FenceBacklogRows}; it must be 0 or more.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
