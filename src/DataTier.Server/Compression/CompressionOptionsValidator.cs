using Microsoft.Extensions.Options;

namespace DataTier.Server.Compression;

/// <summary>
/// Validates the compression settings, collecting every error with its setting and value (the source-generated
/// validator's [Range] messages name neither the section nor the value).
/// </summary>
internal sealed class CompressionOptionsValidator : IValidateOptions<CompressionOptions>
{
    public ValidateOptionsResult Validate(string? name, CompressionOptions options)
    {
        var errors = new List<string>();
        if (options.MinBytes < 0)
        {
            errors.Add($"DataTier:Compression:MinBytes is {options.MinBytes}; it must be 0 or more.");
        }

        if (options.BrotliQuality is < 0 or > 11)
        {
            errors.Add($"DataTier:Compression:BrotliQuality is {options.BrotliQuality}; it must be between 0 (fastest) and 11 (smallest).");
        }

        if (options.GzipLevel is < 0 or > 9)
        {
            errors.Add($"DataTier:Compression:GzipLevel is {options.GzipLevel}; it must be between 0 (store) and 9 (smallest).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
