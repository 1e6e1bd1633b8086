using Microsoft.Extensions.Options;

namespace DataTier.Core.Execution;

/// <summary>Source-generated validation of the data API limits (the [Range] attributes).</summary>
[OptionsValidator]
public sealed partial class DataApiOptionsValidator : IValidateOptions<DataApiOptions>
{
}
