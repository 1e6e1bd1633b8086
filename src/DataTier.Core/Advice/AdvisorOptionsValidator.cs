using Microsoft.Extensions.Options;

namespace DataTier.Core.Advice;

/// <summary>Checks <see cref="AdvisorOptions"/> at start-up.</summary>
public sealed class AdvisorOptionsValidator : IValidateOptions<AdvisorOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AdvisorOptions options)
    {
        var errors = new List<string>();
        if (options.MinCostReduction is <= 0 or >= 1)
        {
            errors.Add($"DataTier:Advisor:MinCostReduction must be between 0 and 1 (exclusive); it is {options.MinCostReduction}.");
        }

        if (options.TopStatements < 1)
        {
            errors.Add("DataTier:Advisor:TopStatements must be at least 1.");
        }

        if (options.MaxColumns is < 1 or > 8)
        {
            errors.Add("DataTier:Advisor:MaxColumns must be between 1 and 8.");
        }

        if (options.StorageBudgetBytes < 0 || options.WriteCostPerRow < 0 || options.MinStatementCost < 0 || options.UnusedIndexMaxScans < 0)
        {
            errors.Add("DataTier:Advisor: StorageBudgetBytes, WriteCostPerRow, MinStatementCost and UnusedIndexMaxScans cannot be negative.");
        }

        if (!double.IsFinite(options.UnusedMinObservedHours) || options.UnusedMinObservedHours < 0)
        {
            errors.Add($"DataTier:Advisor:UnusedMinObservedHours must be 0 or more hours; it is {options.UnusedMinObservedHours}.");
        }

        if (!double.IsFinite(options.MinMeasuredSpeedup) || options.MinMeasuredSpeedup < 1)
        {
            errors.Add($"DataTier:Advisor:MinMeasuredSpeedup must be a speed-up of at least 1 (times faster); it is {options.MinMeasuredSpeedup}.");
        }

        if (options.StatementTimeoutMs < 100)
        {
            errors.Add("DataTier:Advisor:StatementTimeoutMs must be at least 100.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
