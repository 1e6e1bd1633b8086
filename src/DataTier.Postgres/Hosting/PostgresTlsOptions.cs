namespace DataTier.Postgres.Hosting;

/// <summary>TLS for the wire listener (<c>DataTier:Postgres:Tls</c>): the server certificate and whether plain text is still accepted.</summary>
public sealed class PostgresTlsOptions
{
    /// <summary>
    /// The server certificate: a PEM file (certificate, optionally followed by its key) or a PKCS#12 file (.pfx/.p12)
    /// holding the certificate and its key. Empty (the default): no TLS, SSLRequest is answered 'N'.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM certificate, when it is not in <see cref="CertificatePath"/> itself.</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PKCS#12 file, or of an encrypted PEM key. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary><see cref="PostgresTlsMode.Allow"/> (default), <see cref="PostgresTlsMode.Require"/> or <see cref="PostgresTlsMode.Off"/>.</summary>
    public PostgresTlsMode Mode { get; set; } = PostgresTlsMode.Allow;

    /// <summary>True when a certificate is configured and the mode does not turn TLS off.</summary>
    internal bool Enabled => Mode != PostgresTlsMode.Off && !string.IsNullOrWhiteSpace(CertificatePath);
}
