using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DataTier.Postgres.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataTier.Postgres.Hosting;

/// <summary>
/// The wire listener's TLS: loads the certificate of <c>DataTier:Postgres:Tls</c> once, while the options are
/// validated at start-up (so a missing, unreadable, key-less or expired certificate stops the server with the
/// setting's name), and runs each client's handshake with it.
/// </summary>
internal sealed class WireTls : IValidateOptions<PostgresOptions>
{
    /// <summary>The ALPN name PostgreSQL 17 clients send, and require, for TLS without SSLRequest ("direct SSL").</summary>
    public static readonly SslApplicationProtocol PostgresqlAlpn = new("postgresql");

    private readonly TimeProvider _time;
    private readonly ILogger<WireTls> _logger;
    private volatile Loaded? _loaded;

    public WireTls(TimeProvider time, ILogger<WireTls> logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>True when a certificate is loaded and the mode does not turn TLS off: SSLRequest is answered 'S'.</summary>
    public bool Enabled => _loaded is not null;

    /// <summary>True when plain-text logins are refused (<c>Tls:Mode</c> = Require).</summary>
    public bool Required => _loaded?.Settings.Mode == PostgresTlsMode.Require;

    /// <summary>The loaded certificate, null when TLS is off.</summary>
    public X509Certificate2? Certificate => _loaded?.Certificate;

    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return ValidateOptionsResult.Skip;
        }

        var tls = options.Tls;
        if (!tls.Enabled)
        {
            _loaded = null;
            return ValidateOptionsResult.Success;
        }

        // IOptions and IOptionsMonitor each build (and validate) their own instance: the same settings load nothing new.
        var settings = new Settings(tls.CertificatePath, tls.KeyPath, tls.Password, tls.Mode);
        if (_loaded?.Settings == settings)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        var certificate = ServerCertificateLoader.Load(tls, _time.GetUtcNow(), errors);
        if (certificate is null)
        {
            return ValidateOptionsResult.Fail(errors);
        }

        // Built once: the chain SslStream sends, so no handshake builds it again. Offline: no network fetch at start-up.
        var context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        _loaded = new Loaded(settings, certificate, context);
        WireLog.TlsCertificateLoaded(_logger, certificate.Subject, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime(), tls.Mode.ToString());
        return ValidateOptionsResult.Success;
    }

    /// <summary>
    /// The server side of a client's handshake, TLS 1.2 or 1.3, over <paramref name="transport"/>. A client that
    /// starts TLS without SSLRequest (<paramref name="direct"/>) must agree on ALPN <c>postgresql</c>, as PostgreSQL 17 requires.
    /// </summary>
    /// <exception cref="AuthenticationException">The handshake failed, or a direct one without ALPN <c>postgresql</c>.</exception>
    public async Task<TlsTransport> AuthenticateAsync(IDuplexPipe transport, bool direct, CancellationToken cancellationToken)
    {
        var loaded = _loaded ?? throw new InvalidOperationException("TLS is not configured for the wire listener.");
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = loaded.Context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = [PostgresqlAlpn],
        };
        var tls = await TlsTransport.AuthenticateAsync(transport, options, cancellationToken).ConfigureAwait(false);
        if (direct && tls.ApplicationProtocol != PostgresqlAlpn)
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw new AuthenticationException("a direct TLS connection must negotiate ALPN 'postgresql'");
        }

        return tls;
    }

    private sealed record Settings(string? CertificatePath, string? KeyPath, string? Password, PostgresTlsMode Mode);

    private sealed record Loaded(Settings Settings, X509Certificate2 Certificate, SslStreamCertificateContext Context);
}
