using System.Buffers;
using System.Security.Authentication;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Hosting;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// TLS at start-up: SSLRequest answered 'S' and the handshake, or a direct TLS ClientHello (PostgreSQL 17's
/// <c>sslnegotiation=direct</c>); then the session's reader and writer are the ones over TLS. Bounded by
/// <c>ClientAuthTimeoutMs</c> with the rest of the start-up.
/// </content>
internal sealed partial class ClientSession
{
    // A TLS record of type handshake (22); a startup packet's length starts with 0 (it is at most 10,000 bytes).
    private const byte TlsHandshakeRecord = 0x16;

    private TlsTransport? _tls;
    private bool _sslRequested;

    /// <summary>True when the client opened with a TLS ClientHello and this listener has a certificate.</summary>
    private bool StartsWithTlsHandshake(in ReadOnlySequence<byte> buffer) =>
        _services.Tls.Enabled && !buffer.IsEmpty && buffer.FirstSpan[0] == TlsHandshakeRecord;

    /// <summary>Answers an SSLRequest: 'S' and the handshake with a certificate, else 'N' (the client goes on in plain text or gives up).</summary>
    private async Task AnswerSslRequestAsync(bool unencryptedDataFollows, CancellationToken cancellationToken)
    {
        if (_sslRequested || _tls is not null)
        {
            throw PostgresProtocolException.FatalViolation("SSLRequest sent twice, or after TLS was established");
        }

        _sslRequested = true;
        if (!_services.Tls.Enabled)
        {
            BackendMessageWriter.WriteEncryptionRefused(_output);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (unencryptedDataFollows)
        {
            // Bytes sent before the handshake were not encrypted, and may have been injected (as PostgreSQL says too).
            throw PostgresProtocolException.FatalViolation("received unencrypted data after SSL request");
        }

        BackendMessageWriter.WriteSslAccepted(_output);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        await StartTlsAsync(direct: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GSSENCRequest is always declined; libpq then tries SSLRequest or plain text.</summary>
    private async Task DeclineGssEncryptionAsync(CancellationToken cancellationToken)
    {
        if (_tls is not null)
        {
            throw PostgresProtocolException.FatalViolation("GSSENCRequest sent after TLS was established");
        }

        BackendMessageWriter.WriteEncryptionRefused(_output);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task StartTlsAsync(bool direct, CancellationToken cancellationToken)
    {
        try
        {
            _tls = await _services.Tls.AuthenticateAsync(_transport, direct, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // Mid-handshake there is no way to send an ErrorResponse the client could read: the connection just ends.
            WireLog.TlsHandshakeFailed(_services.Logger, e.GetType().Name, e.Message);
            throw new ConnectionClosedException();
        }

        _input = _tls.Input;
        _output = _tls.Output;
    }

    /// <summary>Like pg_hba's <c>hostssl</c>: with <c>Tls:Mode</c> = Require a plain-text StartupMessage ends the connection (28000).</summary>
    private void RefuseIfTlsRequired(StartupMessage startup)
    {
        if (_tls is not null || !_services.Tls.Required)
        {
            return;
        }

        WireLog.TlsRequired(_services.Logger, startup.User ?? "");
        _services.Metrics.ConnectionsTotal.WithLabels("refused").Inc();
        throw new WireException(
            SqlState.InvalidAuthorizationSpecification,
            "TLS required: this DataTier listener accepts only encrypted connections",
            $"Connect with sslmode=require (or prefer); {PostgresOptions.SectionName}:Tls:Mode is Require.",
            isFatal: true);
    }
}
