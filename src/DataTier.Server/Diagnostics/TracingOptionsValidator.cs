using Microsoft.Extensions.Options;

namespace DataTier.Server.Diagnostics;

/// <summary>Validates the tracing settings at start-up, naming each setting and its value.</summary>
public sealed class TracingOptionsValidator : IValidateOptions<TracingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        var errors = new List<string>();
        for (int i = 0; i < options.ExcludePaths.Length; i++)
        {
            string path = options.ExcludePaths[i];
            if (string.IsNullOrEmpty(path) || path[0] != '/')
            {
                errors.Add($"{TracingOptions.SectionName}:ExcludePaths:{i} is '{path}'; a path must start with '/' (e.g. /health).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
