namespace DataTier.Server.Auth;

/// <summary>One API key, stored as the SHA-256 of the key (never the key itself).</summary>
public sealed class ApiKeyDefinition
{
    /// <summary>Who holds the key (shown in logs, never the key).</summary>
    public string Name { get; set; } = "";

    /// <summary>Lowercase hex SHA-256 of the key.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>
    /// Optional: the SCRAM-SHA-256 verifier of the key in PostgreSQL's text form
    /// (<c>SCRAM-SHA-256$4096:&lt;salt&gt;$&lt;StoredKey&gt;:&lt;ServerKey&gt;</c>), which lets the key log in on the PostgreSQL
    /// wire front end (user = <see cref="Name"/>, password = the key). Without it the key works on HTTP only.
    /// </summary>
    public string? ScramSha256 { get; set; }

    /// <summary>Granted scopes: data:read, data:write, admin.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>The principal of this key, made once (set by the access middleware, not by configuration).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    internal System.Security.Claims.ClaimsPrincipal? Principal { get; set; }
}
