using Microsoft.Extensions.Options;

namespace DataTier.Server.Auth;

/// <summary>Validates API keys, naming each bad setting.</summary>
public sealed class ApiKeyOptionsValidator : IValidateOptions<ApiKeyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        var errors = new List<string>();
        if (options.Keys.Count == 0)
        {
            errors.Add("DataTier:Auth:Keys is empty; configure at least one key (Name, Sha256 of the key, Scopes).");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            string at = $"DataTier:Auth:Keys:{i}";
            if (string.IsNullOrWhiteSpace(key.Name) || !names.Add(key.Name))
            {
                errors.Add($"{at}:Name '{key.Name}' is missing or used twice.");
            }

            if (key.Sha256.Length != 64 || !key.Sha256.All(Uri.IsHexDigit))
            {
                errors.Add($"{at}:Sha256 of key '{key.Name}' must be 64 hex characters (the SHA-256 of the key, e.g. `printf %s KEY | sha256sum`).");
            }

            if (key.ScramSha256 is { Length: > 0 } verifier && !Postgres.Authentication.ScramVerifier.TryParsePostgresFormat(verifier, out _))
            {
                errors.Add($"{at}:ScramSha256 of key '{key.Name}' is not a SCRAM-SHA-256 verifier; it must read SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey> (base64 parts), as PostgreSQL stores it.");
            }

            foreach (var scope in key.Scopes.Where(s => !Scopes.All.Contains(s)))
            {
                errors.Add($"{at}:Scopes has '{scope}'; allowed scopes are {string.Join(", ", Scopes.All)}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
