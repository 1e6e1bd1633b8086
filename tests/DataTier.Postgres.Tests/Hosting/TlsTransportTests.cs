using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using DataTier.Postgres.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataTier.Postgres.Tests.Hosting;

/// <summary>The TLS handshake over a connection's pipes, and the pipes over TLS that the session swaps in: in memory, no sockets.</summary>
public sealed class TlsTransportTests : IDisposable
{
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly WireTls _tls;
    private readonly string _dir = Directory.CreateTempSubdirectory("datatier-tls-").FullName;

    public TlsTransportTests()
    {
        using var certificate = DevelopmentCertificate.Create(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        string cert = Path.Combine(_dir, "wire.crt");
        string key = Path.Combine(_dir, "wire.key");
        DevelopmentCertificate.WritePem(certificate, cert, key);
        _tls = new WireTls(TimeProvider.System, NullLogger<WireTls>.Instance);
        Assert.True(_tls.Validate(null, new PostgresOptions { Tls = new PostgresTlsOptions { CertificatePath = cert, KeyPath = key } }).Succeeded);
    }

    private IDuplexPipe ServerSide => new Duplex(_toServer.Reader, _toClient.Writer);

    private Stream ClientSide => new DuplexPipeStream(new Duplex(_toClient.Reader, _toServer.Writer));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 10_000)]
    public async Task Handshake_then_bytes_cross_both_ways_through_the_pipes_over_tls()
    {
        await using var client = new SslStream(ClientSide, leaveInnerStreamOpen: false, static (_, _, _, _) => true);
        var serverTask = _tls.AuthenticateAsync(ServerSide, direct: false, CancellationToken.None);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [WireTls.PostgresqlAlpn],
        });
        await using var server = await serverTask;

        Assert.True(server.Protocol is SslProtocols.Tls12 or SslProtocols.Tls13);
        Assert.Equal(WireTls.PostgresqlAlpn, server.ApplicationProtocol);
        Assert.Equal(_tls.Certificate!.Thumbprint, client.RemoteCertificate!.GetCertHashString());

        byte[] query = "Q\0\0\0\u000dselect 1\0"u8.ToArray();
        await client.WriteAsync(query);
        await client.FlushAsync();
        var read = await server.Input.ReadAtLeastAsync(query.Length);
        Assert.Equal(query, read.Buffer.Slice(0, query.Length).ToArray());
        server.Input.AdvanceTo(read.Buffer.GetPosition(query.Length));

        await server.Output.WriteAsync("Z\0\0\0\u0005I"u8.ToArray());
        byte[] answer = new byte[6];
        await client.ReadExactlyAsync(answer);
        Assert.Equal("Z\0\0\0\u0005I"u8.ToArray(), answer);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_direct_handshake_without_alpn_postgresql_is_refused()
    {
        await using var client = new SslStream(ClientSide, leaveInnerStreamOpen: false, static (_, _, _, _) => true);
        var serverTask = _tls.AuthenticateAsync(ServerSide, direct: true, CancellationToken.None);
        await client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        await Assert.ThrowsAsync<AuthenticationException>(() => serverTask);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_client_offering_only_tls_1_1_gets_no_handshake()
    {
        var serverTask = _tls.AuthenticateAsync(ServerSide, direct: false, CancellationToken.None);
#pragma warning disable SYSLIB0039 // TLS 1.1 is what the test offers, to see it refused.
        var clientTask = new SslStream(ClientSide, false, static (_, _, _, _) => true).AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "localhost", EnabledSslProtocols = SslProtocols.Tls11 });
#pragma warning restore SYSLIB0039
        await Assert.ThrowsAnyAsync<Exception>(() => clientTask);
        await Assert.ThrowsAnyAsync<Exception>(() => serverTask);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_handshake_that_never_comes_ends_with_the_start_up_timeout()
    {
        using var timeout = new CancellationTokenSource(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _tls.AuthenticateAsync(ServerSide, direct: false, timeout.Token));
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
