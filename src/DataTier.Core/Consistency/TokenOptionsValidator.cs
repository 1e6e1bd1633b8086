using Microsoft.Extensions.Options;

namespace DataTier.Core.Consistency;

/// <summary>Requires a signing key of at least 32 bytes.</summary>
public sealed class TokenOptionsValidator : IValidateOptions<TokenOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TokenOptions options)
    {
        var errors = new List<string>();
        Span<byte> buffer = stackalloc byte[1024];
        if (string.IsNullOrWhiteSpace(options.SigningKey))
        {
            errors.Add("DataTier:Tokens:SigningKey is missing; set it to the base64 of 32 random bytes (e.g. `openssl rand -base64 32`), the same on every instance.");
        }
        else if (!Convert.TryFromBase64String(options.SigningKey, buffer, out int written) || written < 32)
        {
            errors.Add("DataTier:Tokens:SigningKey must be base64 of at least 32 bytes.");
        }

        if (!(options.MaxAgeHours > 0))
        {
            errors.Add($"DataTier:Tokens:MaxAgeHours is {options.MaxAgeHours}; it must be greater than 0.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
