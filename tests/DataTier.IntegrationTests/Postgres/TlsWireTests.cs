using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Postgres.Hosting;
using DataTier.Postgres.Protocol;
using Npgsql;

namespace DataTier.IntegrationTests.Postgres;

/// <summary>
/// TLS on the wire listener with a self-signed certificate made for the test: psql (libpq 15) and Npgsql as their
/// users configure them, and raw sockets for what no well-behaved client sends.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TlsWireTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 60_000)]
    public async Task Psql_with_sslmode_require_connects_over_tls_and_runs_a_query()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Allow);
        var (code, stdout, stderr) = await PostgresTools.RunAsync(
            "psql", [wire.Url() + "?sslmode=require", "-X", "-At", "-c", "\\conninfo", "-c", "select count(*) from tasks where team_id = 'team-42'"], Bound);
        Assert.True(code == 0, stderr);
        Assert.Contains("SSL connection (protocol: TLSv1.", stdout);
        long direct = await Db.ScalarAsync<long>(fixture.Shard(fixture.Ring.GetShard("team-42")).Primary, "select count(*) from tasks where team_id = 'team-42'");
        Assert.EndsWith("\n" + direct, stdout.TrimEnd());
    }

    [Fact(Timeout = 60_000)]
    public async Task Psql_verify_full_trusts_the_certificate_as_its_root_for_127_0_0_1_and_localhost()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Allow);
        foreach (string host in new[] { "127.0.0.1", "localhost" })
        {
            string url = wire.Url().Replace("@127.0.0.1:", $"@{host}:", StringComparison.Ordinal) + $"?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(CertificatePath)}";
            var (code, stdout, stderr) = await PostgresTools.RunAsync("psql", [url, "-X", "-At", "-c", "\\conninfo"], Bound);
            Assert.True(code == 0, stderr);
            Assert.Contains("SSL connection", stdout);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task Psql_with_sslmode_disable_logs_in_with_mode_allow_and_is_refused_with_mode_require()
    {
        await using (var allow = await StartAsync(PostgresTlsMode.Allow))
        {
            var (code, stdout, stderr) = await PostgresTools.RunAsync("psql", [allow.Url() + "?sslmode=disable", "-X", "-At", "-c", "\\conninfo", "-c", "select 1"], Bound);
            Assert.True(code == 0, stderr);
            Assert.DoesNotContain("SSL connection", stdout);
            Assert.EndsWith("\n1", stdout.TrimEnd());
        }

        await using var require = await StartAsync(PostgresTlsMode.Require);
        var refused = await PostgresTools.RunAsync("psql", [require.Url() + "?sslmode=disable", "-X", "-c", "select 1"], Bound);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("FATAL:  TLS required", refused.Stderr);
        Assert.Contains(require.Server.Logs.Lines, l => l.Contains($"[{Core.Diagnostics.LogEventIds.WireTlsRequired}]", StringComparison.Ordinal));

        // sslmode=prefer (libpq's default) asks for TLS first, so a Require listener takes it.
        var prefer = await PostgresTools.RunAsync("psql", [require.Url() + "?sslmode=prefer", "-X", "-At", "-c", "\\conninfo"], Bound);
        Assert.True(prefer.Code == 0, prefer.Stderr);
        Assert.Contains("SSL connection", prefer.Stdout);
    }

    [Fact(Timeout = 60_000)]
    public async Task Without_a_certificate_sslmode_require_fails_and_prefer_connects_in_plain_text()
    {
        await using var wire = await WireServer.StartAsync(fixture);
        var required = await PostgresTools.RunAsync("psql", [wire.Url() + "?sslmode=require", "-X", "-c", "select 1"], Bound);
        Assert.NotEqual(0, required.Code);
        Assert.Contains("server does not support SSL, but SSL was required", required.Stderr);

        var prefer = await PostgresTools.RunAsync("psql", [wire.Url() + "?sslmode=prefer", "-X", "-At", "-c", "\\conninfo", "-c", "select 1"], Bound);
        Assert.True(prefer.Code == 0, prefer.Stderr);
        Assert.DoesNotContain("SSL connection", prefer.Stdout);
        Assert.EndsWith("\n1", prefer.Stdout.TrimEnd());
    }

    [Fact(Timeout = 60_000)]
    public async Task Npgsql_with_ssl_mode_require_reads_a_row_and_fails_against_a_listener_without_tls()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Require);
        // Npgsql 8+ follows libpq: Require encrypts without validating the certificate, so no trust option is needed.
        string connectionString = new NpgsqlConnectionStringBuilder(wire.ConnectionString()) { SslMode = SslMode.Require }.ConnectionString;
        Assert.Equal("team-42", await ReadTeamAsync(connectionString));

        // VerifyFull with the certificate as root proves the session really ran over TLS with this certificate.
        string verified = new NpgsqlConnectionStringBuilder(wire.ConnectionString()) { SslMode = SslMode.VerifyFull, RootCertificate = CertificatePath }.ConnectionString;
        Assert.Equal("team-42", await ReadTeamAsync(verified));

        await using var plain = await WireServer.StartAsync(fixture);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ReadTeamAsync(new NpgsqlConnectionStringBuilder(plain.ConnectionString()) { SslMode = SslMode.Require }.ConnectionString));
        Assert.Contains("SSL", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact(Timeout = 60_000)]
    public async Task Npgsql_direct_ssl_negotiation_reads_a_row_with_alpn_postgresql()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Require);
        string connectionString = new NpgsqlConnectionStringBuilder(wire.ConnectionString())
        {
            SslMode = SslMode.VerifyFull,
            RootCertificate = CertificatePath,
            SslNegotiation = SslNegotiation.Direct,
        }.ConnectionString;
        Assert.Equal("team-42", await ReadTeamAsync(connectionString));
    }

    [Fact(Timeout = 60_000)]
    public async Task Interrupt_cancels_a_statement_of_a_tls_session_with_mode_require()
    {
        // libpq 15 sends its CancelRequest in plain text on a new connection: Require must still take it.
        await using var wire = await StartAsync(PostgresTlsMode.Require);
        using var psql = PostgresTools.Start("psql", [wire.Url() + "?sslmode=require", "-X", "-c", "select pg_sleep(30)"]);
        await Task.Delay(1500);
        var stopwatch = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-INT", psql.Id.ToString()]))
        {
            await kill!.WaitForExitAsync();
        }

        var (code, _, stderr) = await PostgresTools.FinishAsync(psql, Bound);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"psql took {stopwatch.Elapsed.TotalSeconds:0.0} s after the interrupt");
        Assert.NotEqual(0, code);
        Assert.Contains("canceling statement due to user request", stderr);
    }

    [Fact(Timeout = 60_000)]
    public async Task Npgsql_cancels_a_statement_of_a_tls_session()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Require);
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(wire.ConnectionString()) { SslMode = SslMode.Require, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_sleep(30)", connection);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => command.ExecuteNonQueryAsync(cancel.Token));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"the cancel took {stopwatch.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(SqlState.QueryCanceled, Assert.IsType<PostgresException>(error.InnerException).SqlState);

        // The session survives its canceled statement.
        await using var next = new NpgsqlCommand("select 1", connection);
        Assert.Equal(1, await next.ExecuteScalarAsync());
    }

    [Fact(Timeout = 60_000)]
    public async Task Plain_text_sent_after_ssl_request_is_refused_before_the_handshake()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Allow);
        using var client = await ConnectAsync(wire.Port);
        var output = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteSslRequest(output);
        FrontendMessageWriter.WriteStartupMessage(output, ProtocolVersion.V3_0, [new("user", "app"), new("database", "datatier")]);
        await client.GetStream().WriteAsync(output.WrittenMemory);

        var error = await ReadErrorAsync(client.GetStream());
        Assert.Equal((SqlState.ProtocolViolation, "received unencrypted data after SSL request"), (error.Code, error.Message));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_second_ssl_request_inside_tls_is_a_protocol_violation()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Allow);
        using var client = await ConnectAsync(wire.Port);
        await using var tls = await StartTlsAsync(client.GetStream());
        var output = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteSslRequest(output);
        await tls.WriteAsync(output.WrittenMemory);

        var error = await ReadErrorAsync(tls);
        Assert.Equal(SqlState.ProtocolViolation, error.Code);
        Assert.Contains("SSLRequest sent twice", error.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_client_that_stalls_the_handshake_is_closed_after_client_auth_timeout()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Allow, new() { ["DataTier:Postgres:ClientAuthTimeoutMs"] = "500" });
        using var client = await ConnectAsync(wire.Port);
        var output = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteSslRequest(output);
        await client.GetStream().WriteAsync(output.WrittenMemory);
        byte[] answer = new byte[1];
        await client.GetStream().ReadExactlyAsync(answer);
        Assert.Equal((byte)'S', answer[0]);

        // No ClientHello: the server gives up at the start-up bound and closes the socket.
        var stopwatch = Stopwatch.StartNew();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int read = await client.GetStream().ReadAsync(new byte[16], cts.Token);
        Assert.Equal(0, read);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"closed after {stopwatch.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact(Timeout = 180_000)]
    public async Task Thousand_tls_clients_at_once_each_read_their_team_with_no_errors()
    {
        await using var wire = await StartAsync(PostgresTlsMode.Require);
        string connectionString = new NpgsqlConnectionStringBuilder(wire.ConnectionString()) { SslMode = SslMode.Require, MaxPoolSize = 1000, Timeout = 60 }.ConnectionString;
        await using var source = NpgsqlDataSource.Create(connectionString);
        var open = new List<NpgsqlConnection>();
        try
        {
            using var gate = new SemaphoreSlim(50);
            var opened = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async _ =>
            {
                await gate.WaitAsync();
                try
                {
                    return await source.OpenConnectionAsync();
                }
                finally
                {
                    gate.Release();
                }
            }));
            open.AddRange(opened);

            // Every connection is open (and TLS) before any statement runs, so 1,000 TLS sessions are live at once.
            var teams = await Task.WhenAll(open.Select(async (connection, i) =>
            {
                await using var command = new NpgsqlCommand("select team_id from tasks where team_id = $1 limit 1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = $"team-{1 + (i % 50)}" });
                return (string)(await command.ExecuteScalarAsync())!;
            }));
            Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"team-{1 + (i % 50)}"), teams);
        }
        finally
        {
            await Task.WhenAll(open.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private string CertificatePath => Path.Combine(fixture.BaseDir, "tls-tests", "wire.crt");

    private async Task<WireServer> StartAsync(PostgresTlsMode mode, Dictionary<string, string?>? more = null)
    {
        string dir = Path.Combine(fixture.BaseDir, "tls-tests");
        string key = Path.Combine(dir, "wire.key");
        lock (fixture)
        {
            if (!File.Exists(key))
            {
                Directory.CreateDirectory(dir);
                using var certificate = DevelopmentCertificate.Create(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
                DevelopmentCertificate.WritePem(certificate, CertificatePath, key);
            }
        }

        var values = new Dictionary<string, string?>
        {
            ["DataTier:Postgres:Tls:CertificatePath"] = CertificatePath,
            ["DataTier:Postgres:Tls:KeyPath"] = key,
            ["DataTier:Postgres:Tls:Mode"] = mode.ToString(),
        };
        foreach (var (name, value) in more ?? [])
        {
            values[name] = value;
        }

        return await WireServer.StartAsync(fixture, values);
    }

    private static async Task<string> ReadTeamAsync(string connectionString)
    {
        // Unpooled: an idle pooled connection would hold the server's shutdown open for Kestrel's 30 s.
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select team_id from tasks where team_id = 'team-42' limit 1", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<TcpClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        return client;
    }

    /// <summary>SSLRequest, 'S', then the client side of the handshake (the test certificate is not checked here).</summary>
    private static async Task<SslStream> StartTlsAsync(NetworkStream stream)
    {
        var output = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteSslRequest(output);
        await stream.WriteAsync(output.WrittenMemory);
        byte[] answer = new byte[1];
        await stream.ReadExactlyAsync(answer);
        Assert.Equal((byte)'S', answer[0]);
        var tls = new SslStream(stream, leaveInnerStreamOpen: true, static (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        return tls;
    }

    private static async Task<PostgresErrorFields> ReadErrorAsync(Stream stream)
    {
        var reader = new BackendMessageReader();
        var received = new ArrayBufferWriter<byte>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(received.WrittenMemory);
            if (reader.TryReadMessage(ref buffer, out var message))
            {
                Assert.Equal(BackendMessageType.ErrorResponse, message.Type);
                return BackendMessageDecoder.DecodeErrorFields(message);
            }

            int n = await stream.ReadAsync(received.GetMemory(4096), cts.Token);
            Assert.True(n > 0, "the server closed the connection without an ErrorResponse");
            received.Advance(n);
        }
    }
}
