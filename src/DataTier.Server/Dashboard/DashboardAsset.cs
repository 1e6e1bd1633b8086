namespace DataTier.Server.Dashboard;

/// <summary>One file of the dashboard, read once at start-up: its bytes, its media type and a strong ETag.</summary>
internal sealed record DashboardAsset(byte[] Content, string ContentType, string ETag);
