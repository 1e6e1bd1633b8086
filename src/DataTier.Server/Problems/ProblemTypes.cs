namespace DataTier.Server.Problems;

/// <summary>Stable problem type URIs (RFC 9457). Clients switch on these; never change a shipped one.</summary>
public static class ProblemTypes
{
    /// <summary>Prefix of every DataTier problem type.</summary>
    public const string Base = "https://datatier.dev/problems/";

    /// <summary>No or unknown API key.</summary>
    public const string Unauthorized = Base + "unauthorized";

    /// <summary>The key lacks the endpoint's scope.</summary>
    public const string Forbidden = Base + "forbidden";

    /// <summary>No such route.</summary>
    public const string NotFound = Base + "not-found";

    /// <summary>The method is not allowed on the route.</summary>
    public const string MethodNotAllowed = Base + "method-not-allowed";

    /// <summary>The body is not valid JSON or not the expected shape.</summary>
    public const string InvalidJson = Base + "invalid-json";

    /// <summary>A field is missing or out of range.</summary>
    public const string InvalidRequest = Base + "invalid-request";

    /// <summary>The body is larger than allowed.</summary>
    public const string PayloadTooLarge = Base + "payload-too-large";

    /// <summary>Too many requests for the key.</summary>
    public const string RateLimited = Base + "rate-limited";

    /// <summary>Something unexpected; details are in the server log, not here.</summary>
    public const string Internal = Base + "internal";

    /// <summary>A problem type from a code (e.g. a statement refusal or a DataTierException code).</summary>
    public static string For(string code) => Base + code;
}
