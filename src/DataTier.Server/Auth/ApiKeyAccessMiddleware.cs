using System.Collections.Concurrent;
using System.Security.Claims;
using DataTier.Server.Problems;

namespace DataTier.Server.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c> and enforces the
/// endpoint's <see cref="RequiredScope"/>s: 401 (with <c>WWW-Authenticate: Bearer</c>) without a known key, 403
/// when the key lacks a scope. It stands in for ASP.NET Core's authentication and authorization middlewares, whose
/// per-request scope, handler resolution, policy evaluation and result tasks were a quarter of what a cache hit
/// allocated, for a check that is a dictionary lookup and a scope comparison. The principal is made once per key
/// definition and set on the context for what follows (the rate limiter partitions by its name).
/// </summary>
internal sealed class ApiKeyAccessMiddleware
{
    // Bounded by the app's endpoints; keyed by reference (endpoints live as long as the app). Per middleware instance,
    // that is per app: a static one kept every app a process ever ran alive through its endpoints' delegates.
    private readonly ConcurrentDictionary<Endpoint, string[]> _requiredByEndpoint = new(ReferenceEqualityComparer.Instance);

    private readonly RequestDelegate _next;
    private readonly ApiKeyStore _store;

    public ApiKeyAccessMiddleware(RequestDelegate next, ApiKeyStore store)
    {
        _next = next;
        _store = store;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var key = Authenticate(context.Request);
        if (key is not null)
        {
            context.User = key.Principal ??= Principal(key);
        }

        var endpoint = context.GetEndpoint();
        string[] required = endpoint is null ? [] : _requiredByEndpoint.GetOrAdd(endpoint, static e => RequiredScopes(e));
        if (required.Length == 0)
        {
            return _next(context);
        }

        if (key is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return ProblemWriter.WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Unauthorized",
                "Send a valid API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        }

        foreach (string scope in required)
        {
            if (!key.Scopes.Contains(scope, StringComparer.Ordinal))
            {
                return ProblemWriter.WriteAsync(context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Forbidden",
                    "This API key does not have the scope this endpoint needs.");
            }
        }

        return _next(context);
    }

    private ApiKeyDefinition? Authenticate(HttpRequest request)
    {
        var headers = request.Headers;
        if (headers.TryGetValue("X-Api-Key", out var apiKey))
        {
            return apiKey.Count == 1 && apiKey[0] is { Length: > 0 } presented ? _store.Find(presented) : null;
        }

        if (headers.Authorization is { Count: 1 } auth && auth[0] is { } value && value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var presented = value.AsSpan("Bearer ".Length).Trim();
            return presented.Length == 0 ? null : _store.Find(presented);
        }

        return null;
    }

    private static string[] RequiredScopes(Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<RequiredScope>().Select(r => r.Scope).Distinct(StringComparer.Ordinal).ToArray();

    private static ClaimsPrincipal Principal(ApiKeyDefinition key)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name) };
        claims.AddRange(key.Scopes.Select(s => new Claim(Scopes.ClaimType, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "ApiKey"));
    }
}
