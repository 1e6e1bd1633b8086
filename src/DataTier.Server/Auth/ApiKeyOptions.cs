namespace DataTier.Server.Auth;

/// <summary>API keys (<c>DataTier:Auth</c>). Reloaded when the configuration file changes, so keys rotate without restart.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Auth";

    /// <summary>The keys.</summary>
    public List<ApiKeyDefinition> Keys { get; set; } = [];
}
