using System.Buffers;
using System.Data;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Protocol;
using Npgsql;

namespace DataTier.Postgres.Tests.Authentication;

/// <summary>
/// Npgsql, a real client, logs in over loopback to a minimal server built from the codec and the SCRAM exchange:
/// SSLRequest refused, StartupMessage, AuthenticationSASL, SASLContinue, SASLFinal, AuthenticationOk, ReadyForQuery.
/// </summary>
public sealed class NpgsqlScramInteropTests
{
    private const string ApiKey = "dt_app_4f9c2e7a1b3d5f60";

    // One verifier for the class, as the server caches one per API key.
    private static readonly ScramVerifier Verifier = ScramVerifier.Create(ApiKey);

    [Fact]
    public async Task Npgsql_logs_in_with_SCRAM_and_terminates_cleanly()
    {
        await using var server = new MinimalServer();
        await using (NpgsqlDataSource dataSource = CreateDataSource(server.Port, ApiKey))
        await using (NpgsqlConnection connection = await dataSource.OpenConnectionAsync(server.Stopping))
        {
            Assert.Equal(ConnectionState.Open, connection.State);
            Assert.Equal(4242, connection.ProcessID);
            Assert.Equal(new Version(15, 8), connection.PostgreSqlVersion);
        }

        Assert.Equal(["authenticated app@tasks, then Terminate"], await server.OutcomesAsync(expected: 1));
    }

    [Fact]
    public async Task Npgsql_reports_a_wrong_API_key_as_28P01()
    {
        await using var server = new MinimalServer();
        await using NpgsqlDataSource dataSource = CreateDataSource(server.Port, "dt_app_wrong");
        var error = await Assert.ThrowsAsync<PostgresException>(async () => await dataSource.OpenConnectionAsync(server.Stopping));
        Assert.Equal(SqlState.InvalidPassword, error.SqlState);
        Assert.Equal("password authentication failed for user \"app\"", error.MessageText);
        Assert.Equal(["refused app: 28P01"], await server.OutcomesAsync(expected: 1));
    }

    private static NpgsqlDataSource CreateDataSource(int port, string password)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString(port, password));

        // No pg_type queries after login: the minimal server answers nothing but the startup.
        builder.ConfigureTypeLoading(static types => types.EnableTypeLoading(false));
        return builder.Build();
    }

    private static string ConnectionString(int port, string password) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = "app",
        Password = password,
        Database = "tasks",
        Pooling = false,
        SslMode = SslMode.Prefer,

        // With Npgsql's default (Prefer) a refused login is retried once on a second connection, so the host will
        // see two attempts per wrong key; Disable keeps this test to one.
        GssEncryptionMode = GssEncryptionMode.Disable,
        Timeout = 30,
    }.ConnectionString;

    private static async Task<string> ServeConnectionAsync(Socket socket, CancellationToken cancellationToken)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        PipeReader input = PipeReader.Create(stream);
        PipeWriter output = PipeWriter.Create(stream);
        var reader = new FrontendMessageReader();

        // SslMode=Prefer makes Npgsql ask for TLS first, which exercises the single-byte refusal.
        StartupPacket packet = await ReadStartupAsync(input, reader, cancellationToken);
        while (packet is SslRequest or GssEncryptionRequest)
        {
            BackendMessageWriter.WriteEncryptionRefused(output);
            await output.FlushAsync(cancellationToken);
            packet = await ReadStartupAsync(input, reader, cancellationToken);
        }

        var startup = Assert.IsType<StartupMessage>(packet);
        string user = startup.User ?? throw new InvalidOperationException("no user in the startup packet");

        var exchange = new ScramServerExchange(Verifier);
        BackendMessageWriter.WriteAuthenticationSasl(output, [ScramServerExchange.MechanismName]);
        await output.FlushAsync(cancellationToken);

        SaslInitialResponse initial = await ReadMessageAsync(input, reader, static m => FrontendMessageDecoder.DecodeSaslInitialResponse(m), cancellationToken);
        Assert.Equal(ScramServerExchange.MechanismName, initial.Mechanism);
        ScramServerStep step = exchange.ProcessClientFirstMessage(initial.Data.Span);
        if (step.IsFailure)
        {
            return await RefuseAsync(output, step, user, cancellationToken);
        }

        BackendMessageWriter.WriteAuthenticationSaslContinue(output, step.Message.Span);
        await output.FlushAsync(cancellationToken);

        ReadOnlyMemory<byte> response = await ReadMessageAsync(input, reader, static m => FrontendMessageDecoder.DecodeSaslResponse(m), cancellationToken);
        step = exchange.ProcessClientFinalMessage(response.Span);
        if (step.IsFailure)
        {
            return await RefuseAsync(output, step, user, cancellationToken);
        }

        BackendMessageWriter.WriteAuthenticationSaslFinal(output, step.Message.Span);
        BackendMessageWriter.WriteAuthenticationOk(output);
        foreach ((string name, string value) in new[]
        {
            ("server_version", "15.8"), ("server_encoding", "UTF8"), ("client_encoding", "UTF8"), ("DateStyle", "ISO, MDY"),
            ("integer_datetimes", "on"), ("standard_conforming_strings", "on"), ("TimeZone", "UTC"),
        })
        {
            BackendMessageWriter.WriteParameterStatus(output, name, value);
        }

        BackendMessageWriter.WriteBackendKeyData(output, 4242, 777);
        BackendMessageWriter.WriteReadyForQuery(output, TransactionStatus.Idle);
        await output.FlushAsync(cancellationToken);

        FrontendMessageType next = await ReadMessageAsync(input, reader, static m => m.Type, cancellationToken);
        return $"authenticated {user}@{startup.Database}, then {next}";
    }

    private static async Task<string> RefuseAsync(PipeWriter output, ScramServerStep step, string user, CancellationToken cancellationToken)
    {
        BackendMessageWriter.WriteErrorResponse(output, step.ToErrorFields(user));
        await output.FlushAsync(cancellationToken);
        return $"refused {user}: {step.SqlState}";
    }

    private static async Task<StartupPacket> ReadStartupAsync(PipeReader input, FrontendMessageReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (reader.TryReadStartupPacket(ref buffer, out StartupPacket? packet))
            {
                input.AdvanceTo(buffer.Start);
                return packet;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the client closed the connection during startup");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static async Task<T> ReadMessageAsync<T>(PipeReader input, FrontendMessageReader reader, Func<FrontendMessage, T> decode, CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await input.ReadAsync(cancellationToken);
            ReadOnlySequence<byte> buffer = result.Buffer;
            if (reader.TryReadMessage(ref buffer, out FrontendMessage message))
            {
                // Decode before advancing: the message is a view of the pipe's buffer.
                T value = decode(message);
                input.AdvanceTo(buffer.Start);
                return value;
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the client closed the connection");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Accepts every connection on a loopback port until disposed and records how each ended, so a client that
    /// retries is seen rather than left waiting on an unserved socket.
    /// </summary>
    private sealed class MinimalServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stopping = new(TimeSpan.FromSeconds(60));
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _outcomes = new();
        private readonly Task _accepting;

        public MinimalServer()
        {
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public CancellationToken Stopping => _stopping.Token;

        /// <summary>The outcomes once <paramref name="expected"/> connections have ended, plus any that end in the next moment.</summary>
        public async Task<string[]> OutcomesAsync(int expected)
        {
            while (_outcomes.Count < expected)
            {
                await Task.Delay(10, Stopping);
            }

            await Task.Delay(200, Stopping);
            return [.. _outcomes];
        }

        public async ValueTask DisposeAsync()
        {
            await _stopping.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stopping.Dispose();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using Socket socket = await _listener.AcceptSocketAsync(Stopping);
                    try
                    {
                        _outcomes.Enqueue(await ServeConnectionAsync(socket, Stopping));
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        _outcomes.Enqueue($"{e.GetType().Name}: {e.Message}");
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Disposed: the test is over.
            }
        }
    }
}
