namespace DataTier.DevCluster;

/// <summary>The three API keys of a local cluster: full admin, read-write application, read-only.</summary>
public sealed record ApiKeySet(string Admin, string App, string Reader);
