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

    private RawWireClient(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawWireClient> LoginAsync(int port, string user, string password)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var raw = new RawWireClient(client);
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

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

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

            _received.Write(chunk.AsSpan(0, n));
        }
    }

    public void Dispose() => _client.Dispose();
}
