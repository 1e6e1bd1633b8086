using System.Buffers;
using System.Net;
using System.Net.Sockets;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Protocol;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>A logged-in wire connection driven byte by byte, for sending what no well-behaved client sends.</summary>
public sealed class RawWireClient : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly ArrayBufferWriter<byte> _received = new();
    private readonly MemoryStream _everything = new();

    private RawWireClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>A connection on which nothing has been sent yet.</summary>
    public static async Task<RawWireClient> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
        }
        catch
        {
            client.Dispose();
            throw;
        }

        return new RawWireClient(client);
    }

    public static async Task<RawWireClient> LoginAsync(int port, string user, string password)
    {
        var raw = await ConnectAsync(port);
        var output = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteStartupMessage(output, ProtocolVersion.V3_0, [new("user", user), new("database", "datatier")]);
        await raw.SendAsync(output.WrittenMemory);
        var scram = new ScramClientExchange(password);
        while (true)
        {
            var message = await raw.ReadAsync();
            if (message.Type == BackendMessageType.ReadyForQuery)
            {
                return raw;
            }

            if (message.Type != BackendMessageType.Authentication)
            {
                continue;
            }

            var request = BackendMessageDecoder.DecodeAuthentication(message);
            output.Clear();
            switch (request.Type)
            {
                case AuthenticationRequestType.Sasl:
                    FrontendMessageWriter.WriteSaslInitialResponse(output, ScramClientExchange.MechanismName, scram.CreateClientFirstMessage().Span);
                    break;
                case AuthenticationRequestType.SaslContinue:
                    FrontendMessageWriter.WriteSaslResponse(output, scram.ProcessServerFirstMessage(request.Data.Span).Span);
                    break;
                case AuthenticationRequestType.SaslFinal:
                    scram.VerifyServerFinalMessage(request.Data.Span);
                    continue;
                default:
                    continue;
            }

            await raw.SendAsync(output.WrittenMemory);
        }
    }

    /// <summary>Every byte the server has sent on this connection so far, start-up and authentication included.</summary>
    public ReadOnlySpan<byte> Received => _everything.GetBuffer().AsSpan(0, (int)_everything.Length);

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Half-closes the connection: the server reads end-of-stream after what was sent, and may still answer.</summary>
    public void ShutdownSend() => _client.Client.Shutdown(SocketShutdown.Send);

    /// <summary>
    /// Reads until the server closes the connection, keeping every byte in <see cref="Received"/>; false when it is
    /// still open after <paramref name="timeout"/>. A reset counts as closed.
    /// </summary>
    public async Task<bool> ReadToEndAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var chunk = new byte[8192];
        try
        {
            while (true)
            {
                int n = await _stream.ReadAsync(chunk, cts.Token);
                if (n == 0)
                {
                    return true;
                }

                _everything.Write(chunk, 0, n);
                _received.Write(chunk.AsSpan(0, n));
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>The next backend message; a closed connection reads as an empty 'X' message.</summary>
    public async Task<BackendMessage> ReadAsync(TimeSpan? timeout = null)
    {
        var reader = new BackendMessageReader();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(_received.WrittenMemory);
            if (reader.TryReadMessage(ref buffer, out var message))
            {
                byte[] copy = message.Encoded.ToArray();
                byte[] rest = buffer.ToArray();
                _received.Clear();
                _received.Write(rest);
                return new BackendMessage(message.Type, new ReadOnlySequence<byte>(copy));
            }

            var chunk = new byte[8192];
            int n = await _stream.ReadAsync(chunk, cts.Token);
            if (n == 0)
            {
                return new BackendMessage((BackendMessageType)'X', new ReadOnlySequence<byte>(new byte[] { (byte)'X', 0, 0, 0, 4 }));
            }

            _everything.Write(chunk, 0, n);
            _received.Write(chunk.AsSpan(0, n));
        }
    }

    public void Dispose()
    {
        _client.Dispose();
        _everything.Dispose();
    }
}
