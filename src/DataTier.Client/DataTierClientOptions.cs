namespace DataTier.Client;

/// <summary>Settings of a <see cref="DataTierClient"/>.</summary>
public sealed class DataTierClientOptions
{
    /// <summary>The API key, sent as <c>Authorization: Bearer</c>.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Consistency of reads that name none.</summary>
    public Consistency DefaultConsistency { get; set; } = Consistency.Eventual;

    /// <summary>Statement timeout sent with every request, when set.</summary>
    public TimeSpan? DefaultTimeout { get; set; }
}
