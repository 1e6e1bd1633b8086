using DataTier.Core.Errors;
using DataTier.Core.Execution;

namespace DataTier.Core.DataPath;

/// <summary>The row and time limits a request asked for, checked and capped by the configured ones.</summary>
public static class RequestLimits
{
    /// <summary>The limits to run with; a value below 1 is refused (<c>invalid-request</c>).</summary>
    public static (int MaxRows, int TimeoutMs) Resolve(DataApiOptions options, int? maxRows, int? timeoutMs)
    {
        if (maxRows is < 1)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-request", $"'maxRows' is {maxRows}; it must be at least 1.");
        }

        if (timeoutMs is < 1)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-request", $"'timeoutMs' is {timeoutMs}; it must be at least 1.");
        }

        return (Math.Min(maxRows ?? options.DefaultMaxRows, options.MaxRows), Math.Min(timeoutMs ?? options.DefaultTimeoutMs, options.MaxTimeoutMs));
    }
}
