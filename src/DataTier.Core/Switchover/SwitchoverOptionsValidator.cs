using DataTier.Core.Execution;
using Microsoft.Extensions.Options;

namespace DataTier.Core.Switchover;

/// <summary>
/// Validates switchover settings, collecting every error: the configured promoter must exist, and a held write must
/// not give up (DataApi FencedWriteWaitMs) before the switchover's own bounds have run out.
/// </summary>
internal sealed class SwitchoverOptionsValidator(IEnumerable<IPromoter> promoters, IOptions<DataApiOptions> dataApi) : IValidateOptions<SwitchoverOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SwitchoverOptions options)
    {
        var errors = new List<string>();
        var names = promoters.Select(p => p.Name).ToList();
        if (!names.Contains(options.Promoter, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"DataTier:Switchover:Promoter is '{options.Promoter}'; use one of {string.Join(", ", names)}.");
        }

        if (options.MaxWritePauseMs is < 10 or > 60_000)
        {
            errors.Add($"DataTier:Switchover:MaxWritePauseMs is {options.MaxWritePauseMs}; it must be between 10 and 60000.");
        }

        if (options.PromoteTimeoutMs is < 100 or > 120_000)
        {
            errors.Add($"DataTier:Switchover:PromoteTimeoutMs is {options.PromoteTimeoutMs}; it must be between 100 and 120000.");
        }

        if (options.MaxLagBytes < 0)
        {
            errors.Add($"DataTier:Switchover:MaxLagBytes is {options.MaxLagBytes}; it must be 0 or more.");
        }

        int held = options.MaxWritePauseMs + options.PromoteTimeoutMs;
        if (held >= dataApi.Value.FencedWriteWaitMs)
        {
            errors.Add($"DataTier:Switchover:MaxWritePauseMs + PromoteTimeoutMs is {held} ms, not below DataTier:DataApi:FencedWriteWaitMs ({dataApi.Value.FencedWriteWaitMs}): held writes would fail before a switchover gives up; raise FencedWriteWaitMs or lower the switchover bounds.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
