using System.Net;

namespace DataTier.Postgres.Hosting;

/// <summary>Where the wire listener is bound, once Kestrel has started (the real port when the configured one was -1).</summary>
public sealed class PostgresEndpoint
{
    internal Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions? Listen { get; set; }

    /// <summary>True when <c>DataTier:Postgres:Port</c> turned the listener on.</summary>
    public bool Enabled => Listen is not null;

    /// <summary>The bound endpoint, or null when off or not started yet.</summary>
    public IPEndPoint? EndPoint => Listen?.EndPoint as IPEndPoint is { Port: > 0 } bound ? bound : null;
}
