using System.Data;
using DataTier.Core.Errors;
using DataTier.Core.Execution;
using DataTier.Core.Idempotency;

namespace DataTier.Server.Endpoints;

/// <summary>
/// Maps the <c>Idempotency-Key</c> request header onto Core's <see cref="IdempotencyKey"/> (scoped by the API key's
/// name, so two API keys never share a key) and marks replayed answers with <c>Idempotent-Replayed: true</c>. The
/// body of a replayed answer is the first answer's, with a fresh token.
/// </summary>
internal static class IdempotencyHeader
{
    /// <summary>The request header.</summary>
    public const string Name = "Idempotency-Key";

    /// <summary>The response header on a replay.</summary>
    public const string ReplayedName = "Idempotent-Replayed";

    /// <summary>The request's key, or null without the header; a malformed header is a 400 <c>invalid-idempotency-key</c>.</summary>
    public static IdempotencyKey? Read(HttpContext http, string kind, string shardKey, IsolationLevel isolation, IReadOnlyList<RequestStatement> statements)
    {
        if (!http.Request.Headers.TryGetValue(Name, out var values))
        {
            return null;
        }

        if (values.Count != 1)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-idempotency-key", $"The request has {values.Count} Idempotency-Key headers; send one.");
        }

        string key = IdempotencyKey.Validate(values[0]);
        // The access middleware has authenticated the caller before any data endpoint runs.
        string scope = http.User.Identity?.Name ?? "";
        return new IdempotencyKey(scope, key, RequestFingerprint.Compute(kind, shardKey, isolation, statements));
    }

    /// <summary>Sets <c>Idempotent-Replayed: true</c> when the answer is a recorded one.</summary>
    public static void MarkReplay(HttpContext http, CommittedWrite write)
    {
        if (write.Replayed)
        {
            http.Response.Headers[ReplayedName] = "true";
        }
    }
}
