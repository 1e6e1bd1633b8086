using System.Text.Json;

namespace DataTier.Core.Idempotency;

/// <summary>One statement of a request as the caller sent it (text and parameters), for its fingerprint.</summary>
/// <param name="Sql">The statement text, with named parameters.</param>
/// <param name="Parameters">The parameters object (undefined or null when there are none).</param>
public readonly record struct RequestStatement(string? Sql, JsonElement Parameters);
