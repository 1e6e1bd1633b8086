namespace DataTier.Server.Auth;

/// <summary>API key scopes, which are also the authorization policy names.</summary>
public static class Scopes
{
    /// <summary>Reads through the data API.</summary>
    public const string DataRead = "data:read";

    /// <summary>Writes through the data API.</summary>
    public const string DataWrite = "data:write";

    /// <summary>Admin endpoints.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope.</summary>
    public static readonly string[] All = [DataRead, DataWrite, Admin];

    /// <summary>The claim type that carries a scope.</summary>
    public const string ClaimType = "scope";
}
