using Microsoft.Extensions.Options;

namespace DataTier.Core.Nodes;

/// <summary>Validates pool settings, naming each bad setting and its value.</summary>
public sealed class NodePoolOptionsValidator : IValidateOptions<NodePoolOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, NodePoolOptions options)
    {
        var errors = new List<string>();
        if (options.MaxPoolSize is < 1 or > 10_000)
        {
            errors.Add($"DataTier:Pool:MaxPoolSize is {options.MaxPoolSize}; it must be between 1 and 10000.");
        }

        if (options.MinPoolSize < 0 || options.MinPoolSize > options.MaxPoolSize)
        {
            errors.Add($"DataTier:Pool:MinPoolSize is {options.MinPoolSize}; it must be between 0 and MaxPoolSize ({options.MaxPoolSize}).");
        }

        if (options.ConnectionWaitMs is < 1 or > 600_000)
        {
            errors.Add($"DataTier:Pool:ConnectionWaitMs is {options.ConnectionWaitMs}; it must be between 1 and 600000.");
        }

        if (options.ConnectTimeoutMs is < 100 or > 600_000)
        {
            errors.Add($"DataTier:Pool:ConnectTimeoutMs is {options.ConnectTimeoutMs}; it must be between 100 and 600000.");
        }

        if (options.CircuitMinimumThroughput < 2)
        {
            errors.Add($"DataTier:Pool:CircuitMinimumThroughput is {options.CircuitMinimumThroughput}; it must be at least 2.");
        }

        if (options.CircuitBreakMs < 500)
        {
            errors.Add($"DataTier:Pool:CircuitBreakMs is {options.CircuitBreakMs}; it must be at least 500 (Polly's minimum break).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
