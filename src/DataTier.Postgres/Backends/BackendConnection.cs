using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DataTier.Core.Topology;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Protocol;
using Npgsql;

namespace DataTier.Postgres.Backends;

/// <summary>
/// One raw PostgreSQL protocol connection to a node, opened and authenticated by DataTier (SCRAM-SHA-256, md5 or
/// cleartext, as the server asks), idle at ReadyForQuery between leases. Not thread-safe: one client session holds it
/// at a time.
/// </summary>
internal sealed class BackendConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    private BackendConnection(NodeDefinition node, Socket socket, long createdAt)
    {
        Node = node;
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Reader = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        Writer = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
        CreatedAt = createdAt;
    }

    public NodeDefinition Node { get; }

    public PipeReader Reader { get; }

    public PipeWriter Writer { get; }

    public BackendMessageReader MessageReader { get; } = new();

    /// <summary>The backend's own key data, for forwarding a client's CancelRequest.</summary>
    public int ProcessId { get; private set; }

    public int SecretKey { get; private set; }

    public Dictionary<string, string> ServerParameters { get; } = new(StringComparer.Ordinal);

    /// <summary>Internal names of the statements prepared on this connection (see <c>ClientStatement.InternalName</c>).</summary>
    public HashSet<string> Prepared { get; } = new(StringComparer.Ordinal);

    /// <summary>Set when the stream can no longer be trusted (a timeout, an I/O error, an unexpected message).</summary>
    public bool IsBroken { get; set; }

    public long CreatedAt { get; }

    public EndPoint? RemoteEndPoint { get; private set; }

    /// <summary>Connects to <paramref name="node"/> and authenticates with its connection string's user and password.</summary>
    public static async Task<BackendConnection> OpenAsync(NodeDefinition node, TimeSpan timeout, long now, CancellationToken cancellationToken)
    {
        var settings = new NpgsqlConnectionStringBuilder(node.ConnectionString);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        EndPoint endPoint = await ResolveAsync(settings, cts.Token).ConfigureAwait(false);
        var socket = endPoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        BackendConnection? connection = null;
        try
        {
            await socket.ConnectAsync(endPoint, cts.Token).ConfigureAwait(false);
            connection = new BackendConnection(node, socket, now) { RemoteEndPoint = endPoint };
            await connection.StartupAsync(settings, cts.Token).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            throw;
        }
    }

    /// <summary>The endpoint of a node, for opening a CancelRequest connection to it.</summary>
    public static Task<EndPoint> ResolveAsync(NodeDefinition node, CancellationToken cancellationToken) =>
        ResolveAsync(new NpgsqlConnectionStringBuilder(node.ConnectionString), cancellationToken);

    private static async Task<EndPoint> ResolveAsync(NpgsqlConnectionStringBuilder settings, CancellationToken cancellationToken)
    {
        string host = (settings.Host ?? "localhost").Split(',')[0].Trim();
        int port = settings.Port;
        if (host.StartsWith('/'))
        {
            return new UnixDomainSocketEndPoint(Path.Combine(host, string.Create(CultureInfo.InvariantCulture, $".s.PGSQL.{port}")));
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.Length == 0
            ? throw new BackendException($"the host name of node has no address")
            : new IPEndPoint(addresses[0], port);
    }

    private async Task StartupAsync(NpgsqlConnectionStringBuilder settings, CancellationToken cancellationToken)
    {
        string user = settings.Username ?? throw new BackendException("the node's connection string has no Username");
        string password = settings.Password ?? "";
        KeyValuePair<string, string>[] parameters =
        [
            new("user", user),
            new("database", settings.Database ?? user),
            new("application_name", "datatier-wire"),
            new("client_encoding", "UTF8"),
            new("DateStyle", "ISO, MDY"),
        ];
        FrontendMessageWriter.WriteStartupMessage(Writer, ProtocolVersion.V3_0, parameters);
        await FlushAsync(cancellationToken).ConfigureAwait(false);

        await ReadUntilReadyAsync(new StartupState(user, password), static (BackendConnection c, ref StartupState state, in BackendMessage m) => c.Handle(m, ref state), cancellationToken).ConfigureAwait(false);
    }

    private delegate bool MessageHandler<TState>(BackendConnection connection, ref TState state, in BackendMessage message);

    private struct StartupState(string user, string password)
    {
        public readonly string User = user;
        public readonly string Password = password;
        public ScramClientExchange? Scram;
    }

    private struct ScalarState
    {
        public long Value;
        public string? Error;
    }

    /// <summary>Reads messages into <paramref name="handle"/> until it reports ReadyForQuery, flushing what it wrote in between.</summary>
    private async Task<TState> ReadUntilReadyAsync<TState>(TState state, MessageHandler<TState> handle, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            bool ready = false;
            try
            {
                while (!ready && MessageReader.TryReadMessage(ref buffer, out var message))
                {
                    ready = handle(this, ref state, message);
                }
            }
            finally
            {
                Reader.AdvanceTo(buffer.Start, ready ? buffer.Start : buffer.End);
            }

            if (ready)
            {
                return state;
            }

            if (result.IsCompleted)
            {
                throw new BackendException("the node closed the connection");
            }

            await FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private bool Handle(in BackendMessage message, ref StartupState state)
    {
        switch (message.Type)
        {
            case BackendMessageType.Authentication:
                var request = BackendMessageDecoder.DecodeAuthentication(message);
                switch (request.Type)
                {
                    case AuthenticationRequestType.Ok:
                        break;
                    case AuthenticationRequestType.CleartextPassword:
                        FrontendMessageWriter.WritePassword(Writer, state.Password);
                        break;
                    case AuthenticationRequestType.Md5Password:
                        FrontendMessageWriter.WritePassword(Writer, Md5Password(state.User, state.Password, request.Data.Span));
                        break;
                    case AuthenticationRequestType.Sasl:
                        if (!request.Mechanisms.Contains(ScramClientExchange.MechanismName))
                        {
                            throw new BackendException($"the node offers SASL mechanisms {string.Join(", ", request.Mechanisms)}, none of which DataTier speaks");
                        }

                        state.Scram = new ScramClientExchange(state.Password);
                        FrontendMessageWriter.WriteSaslInitialResponse(Writer, ScramClientExchange.MechanismName, state.Scram.CreateClientFirstMessage().Span);
                        break;
                    case AuthenticationRequestType.SaslContinue when state.Scram is { } continued:
                        FrontendMessageWriter.WriteSaslResponse(Writer, continued.ProcessServerFirstMessage(request.Data.Span).Span);
                        break;
                    case AuthenticationRequestType.SaslFinal when state.Scram is { } final:
                        final.VerifyServerFinalMessage(request.Data.Span);
                        break;
                    default:
                        throw new BackendException($"the node asks for authentication method {request.Type}, which DataTier does not speak");
                }

                return false;
            case BackendMessageType.ParameterStatus:
                var status = BackendMessageDecoder.DecodeParameterStatus(message);
                ServerParameters[status.Name] = status.Value;
                return false;
            case BackendMessageType.BackendKeyData:
                var key = BackendMessageDecoder.DecodeBackendKeyData(message);
                ProcessId = key.ProcessId;
                SecretKey = key.SecretKey;
                return false;
            case BackendMessageType.ErrorResponse:
                var error = BackendMessageDecoder.DecodeErrorFields(message);
                throw new BackendException($"the node refused the connection: {error.Code} {error.Message}") { SqlState = error.Code };
            case BackendMessageType.ReadyForQuery:
                return true;
            default:
                // NoticeResponse, NegotiateProtocolVersion: nothing to do before the session starts.
                return false;
        }
    }

    private static string Md5Password(string user, string password, ReadOnlySpan<byte> salt)
    {
        string inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(password + user)));
        byte[] outer = [.. Encoding.ASCII.GetBytes(inner), .. salt];
        return "md5" + Convert.ToHexStringLower(MD5.HashData(outer));
    }

    /// <summary>
    /// Whether the node has sent something not read yet (buffered, or waiting in the socket), without waiting: a COPY
    /// being streamed checks it to learn of a shard's error before the end of the data.
    /// </summary>
    public bool HasPendingInput()
    {
        if (Reader.TryRead(out var result))
        {
            bool buffered = !result.Buffer.IsEmpty;
            Reader.AdvanceTo(result.Buffer.Start);
            if (buffered)
            {
                return true;
            }
        }

        return _socket.Available > 0;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var flush = await Writer.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (flush.IsCompleted)
        {
            throw new BackendException("the node closed the connection");
        }
    }

    /// <summary>
    /// Runs one internal single-value query (not relayed to any client) and returns its first column as an Int64:
    /// the commit LSN after a write.
    /// </summary>
    public async Task<long> QueryInt64Async(string sql, CancellationToken cancellationToken)
    {
        FrontendMessageWriter.WriteQuery(Writer, sql);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var state = await ReadUntilReadyAsync(default(ScalarState), static (BackendConnection _, ref ScalarState state, in BackendMessage message) =>
        {
            switch (message.Type)
            {
                case BackendMessageType.DataRow:
                    state.Value = ReadFirstInt64(message.Payload);
                    return false;
                case BackendMessageType.ErrorResponse:
                    state.Error = BackendMessageDecoder.DecodeErrorFields(message).Code;
                    return false;
                default:
                    return message.Type == BackendMessageType.ReadyForQuery;
            }
        }, cancellationToken).ConfigureAwait(false);
        return state.Error is null ? state.Value : throw new BackendException($"an internal query failed with {state.Error}") { SqlState = state.Error };
    }

    /// <summary>
    /// Runs one internal statement (not relayed to any client) with the parameters of a client's Bind, in the extended
    /// protocol, and returns its first row's first column as text; null when the statement failed (the caller treats
    /// that as "no answer", e.g. an EXPLAIN of a statement the node cannot plan).
    /// </summary>
    public async Task<string?> QueryFirstTextAsync(string sql, ReadOnlyMemory<uint> parameterTypes, BindMessage? parameters, CancellationToken cancellationToken)
    {
        int count = parameters?.ParameterCount ?? 0;
        var formats = new FormatCode[count];
        var values = new ReadOnlyMemory<byte>?[count];
        for (int i = 0; i < count; i++)
        {
            formats[i] = parameters!.GetParameterFormat(i);
            values[i] = parameters.IsNull(i) ? null : parameters.GetValue(i);
        }

        FrontendMessageWriter.WriteParse(Writer, "", sql, parameterTypes.Span);
        FrontendMessageWriter.WriteBind(Writer, "", "", formats, values, []);
        FrontendMessageWriter.WriteExecute(Writer, "", 1);
        FrontendMessageWriter.WriteSync(Writer);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var state = await ReadUntilReadyAsync(default(TextState), static (BackendConnection _, ref TextState state, in BackendMessage message) =>
        {
            switch (message.Type)
            {
                case BackendMessageType.DataRow when state.Value is null:
                    state.Value = ReadFirstText(message.Payload);
                    return false;
                case BackendMessageType.ErrorResponse:
                    state.Failed = true;
                    return false;
                default:
                    return message.Type == BackendMessageType.ReadyForQuery;
            }
        }, cancellationToken).ConfigureAwait(false);
        return state.Failed ? null : state.Value;
    }

    private struct TextState
    {
        public string? Value;
        public bool Failed;
    }

    private static string? ReadFirstText(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!reader.TryReadBigEndian(out short columns) || columns < 1 || !reader.TryReadBigEndian(out int length) || length < 0 || reader.Remaining < length)
        {
            return null;
        }

        return Encoding.UTF8.GetString(reader.UnreadSequence.Slice(0, length));
    }

    private static long ReadFirstInt64(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        if (!reader.TryReadBigEndian(out short columns) || columns < 1 || !reader.TryReadBigEndian(out int length) || length is < 0 or > 32)
        {
            return 0;
        }

        Span<byte> text = stackalloc byte[length];
        if (!reader.TryCopyTo(text))
        {
            return 0;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : 0;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!IsBroken)
            {
                FrontendMessageWriter.WriteTerminate(Writer);
                using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                await Writer.FlushAsync(cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Closing anyway.
        }

        await Reader.CompleteAsync().ConfigureAwait(false);
        await Writer.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
