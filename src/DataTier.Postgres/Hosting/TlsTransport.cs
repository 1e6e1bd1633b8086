using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;

namespace DataTier.Postgres.Hosting;

/// <summary>
/// A client connection after its TLS handshake: pipes over an <see cref="SslStream"/> that runs over the
/// connection's own pipes. The session swaps its reader and writer for these and never sees the ciphertext.
/// </summary>
/// <remarks>
/// Memory stays bounded per connection: the reader waits with zero-byte reads, so an idle connection holds no read
/// buffer (SslStream returns its own while nothing is pending); the writer holds only what the session writes
/// between two flushes, and its flush waits for Kestrel's output pipe, so a slow client still pushes back.
/// </remarks>
internal sealed class TlsTransport : IDuplexPipe, IAsyncDisposable
{
    private const int ReadBufferSize = 4096;

    private readonly SslStream _ssl;

    private TlsTransport(SslStream ssl)
    {
        _ssl = ssl;
        Input = PipeReader.Create(ssl, new StreamPipeReaderOptions(bufferSize: ReadBufferSize, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true));
        Output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    /// <summary>The negotiated protocol (TLS 1.2 or 1.3).</summary>
    public SslProtocols Protocol => _ssl.SslProtocol;

    /// <summary>The ALPN protocol the client and server agreed on, empty when the client offered none.</summary>
    public SslApplicationProtocol ApplicationProtocol => _ssl.NegotiatedApplicationProtocol;

    /// <summary>Runs the server side of the handshake over <paramref name="transport"/>.</summary>
    /// <exception cref="AuthenticationException">The handshake failed (no common protocol or cipher, the client refused the certificate).</exception>
    public static async Task<TlsTransport> AuthenticateAsync(IDuplexPipe transport, SslServerAuthenticationOptions options, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsServerAsync(options, cancellationToken).ConfigureAwait(false);
            return new TlsTransport(ssl);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Input.CompleteAsync().ConfigureAwait(false);
        try
        {
            // Writes what the session left unflushed; the client may be gone already.
            await Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            // Nothing more to deliver.
        }

        await _ssl.DisposeAsync().ConfigureAwait(false);
    }
}
