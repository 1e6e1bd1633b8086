using DataTier.Core.Errors;

namespace DataTier.Core.Idempotency;

/// <summary>
/// What makes a write idempotent: the caller's key, the scope it is unique in (the API key's name: two API keys
/// sending the same key make two writes) and the fingerprint of the request, which a retry must match.
/// </summary>
/// <param name="Scope">The namespace of <paramref name="Value"/> (the front end's caller identity).</param>
/// <param name="Value">The key the caller sent, checked by <see cref="Validate"/>.</param>
/// <param name="Fingerprint">The request's <see cref="RequestFingerprint"/> (32 bytes).</param>
public sealed record IdempotencyKey(string Scope, string Value, byte[] Fingerprint)
{
    /// <summary>
    /// The shard key the write is routed by, recorded with the key so that a rebalancing move takes the key along with
    /// the rows of its range (the writer sets it; front ends need not).
    /// </summary>
    public string? ShardKey { get; init; }

    /// <summary>Longest key accepted (characters); the shard table checks it too.</summary>
    public const int MaxLength = 255;

    /// <summary>
    /// Checks a key as sent: 1 to <see cref="MaxLength"/> visible ASCII characters (a UUID, a ULID, a hash...).
    /// Anything else is refused with <c>invalid-idempotency-key</c>, before the write reaches a shard.
    /// </summary>
    public static string Validate(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw Invalid("The Idempotency-Key header is empty; send 1 to 255 visible ASCII characters (a UUID, say) or no header.");
        }

        if (value.Length > MaxLength)
        {
            throw Invalid($"The Idempotency-Key header has {value.Length} characters; at most {MaxLength} are allowed.");
        }

        foreach (char c in value)
        {
            // Visible ASCII only: keys are compared byte for byte, and whitespace or control characters are almost
            // always a client bug (a trailing newline read from a file) that would silently make a different key.
            if (c is < '!' or > '~')
            {
                throw Invalid($"The Idempotency-Key header contains U+{(int)c:X4}; only visible ASCII characters (! to ~) are allowed.");
            }
        }

        return value;
    }

    private static DataTierException Invalid(string detail) => new(DataTierErrorKind.BadRequest, "invalid-idempotency-key", detail);
}
