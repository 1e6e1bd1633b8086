namespace DataTier.Postgres.Hosting;

/// <summary>Whether the wire listener offers TLS (<c>DataTier:Postgres:Tls:Mode</c>).</summary>
public enum PostgresTlsMode
{
    /// <summary>SSLRequest is answered 'N' even when a certificate is configured; clients stay in plain text.</summary>
    Off,

    /// <summary>The default: TLS when a certificate is configured and the client asks for it; plain text otherwise.</summary>
    Allow,

    /// <summary>Like pg_hba's <c>hostssl</c>: a client that logs in without TLS is refused with FATAL 28000. Needs a certificate.</summary>
    Require,
}
