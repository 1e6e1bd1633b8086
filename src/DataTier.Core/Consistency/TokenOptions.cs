namespace DataTier.Core.Consistency;

/// <summary>Session token signing (<c>DataTier:Tokens</c>).</summary>
public sealed class TokenOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Tokens";

    /// <summary>Base64 of at least 32 random bytes, shared by every DataTier instance.</summary>
    public string SigningKey { get; set; } = "";

    /// <summary>Tokens older than this are refused (hours).</summary>
    public double MaxAgeHours { get; set; } = 24;
}
