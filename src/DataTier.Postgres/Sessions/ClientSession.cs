using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography;
using DataTier.Core.Consistency;
using DataTier.Core.Topology;
using DataTier.Postgres.Authentication;
using DataTier.Postgres.Backends;
using DataTier.Postgres.Diagnostics;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <summary>
/// One client connection on the wire: start-up and SCRAM authentication, then the simple and extended query
/// protocols relayed to pooled backend connections (leased per statement or Sync batch, pinned for a transaction).
/// </summary>
/// <remarks>
/// Messages are handled one at a time in arrival order, so a session needs no locks except around the backend it
/// holds, which a CancelRequest (on another connection) reads. The partial files split it by concern: start-up
/// (this file), simple Query, the extended protocol, and backend leasing with the relay.
/// </remarks>
internal sealed partial class ClientSession
{
    private readonly WireServices _services;
    private readonly IDuplexPipe _transport;

    // The connection's pipes until a TLS handshake, then the pipes over TLS (ClientSession.Tls.cs); set once, before login.
    private PipeReader _input;
    private PipeWriter _output;
    private readonly FrontendMessageReader _reader;
    private PostgresUser _user = null!;
    private string? _applicationName;

    public ClientSession(WireServices services, IDuplexPipe transport)
    {
        _services = services;
        _transport = transport;
        _input = transport.Input;
        _output = transport.Output;
        _reader = new FrontendMessageReader(services.Options.MaxMessageBytes);
        SecretKey = RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
    }

    public int ProcessId { get; private set; }

    public int SecretKey { get; }

    /// <summary>Runs the connection to its end; never throws for anything the client sends.</summary>
    public async Task RunAsync(CancellationToken connectionClosed)
    {
        try
        {
            StartupMessage? startup;
            using (var auth = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed))
            {
                auth.CancelAfter(_services.Options.ClientAuthTimeoutMs);
                startup = await ReadStartupAsync(auth.Token).ConfigureAwait(false);
                if (startup is null || !await AuthenticateAsync(startup, auth.Token).ConfigureAwait(false))
                {
                    return;
                }
            }

            ProcessId = _services.Sessions.Register(this);
            _services.Metrics.ConnectionsTotal.WithLabels("ok").Inc();
            WireLog.ClientConnected(_services.Logger, ProcessId, _user.Name);
            await WriteSessionStartAsync(startup, connectionClosed).ConfigureAwait(false);
            await ServeAsync(connectionClosed).ConfigureAwait(false);
        }
        catch (PostgresProtocolException e)
        {
            WireLog.ProtocolViolation(_services.Logger, ProcessId, e.SqlState, e.IsFatal);
            await TryWriteFatalAsync(e.IsFatal ? e.ToErrorFields() : PostgresErrorFields.Fatal(e.SqlState, e.Message)).ConfigureAwait(false);
        }
        catch (WireException e)
        {
            await TryWriteFatalAsync(e.ToErrorFields() with { Severity = "FATAL", InvariantSeverity = "FATAL" }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException or ConnectionClosedException)
        {
            // The client went away or did not finish start-up in time.
        }
        catch (Exception e)
        {
            WireLog.SessionFailed(_services.Logger, ProcessId, e.GetType().Name, e);
            await TryWriteFatalAsync(PostgresErrorFields.Fatal(SqlState.InternalError, "DataTier ended this session after an internal error; the server log has the details.")).ConfigureAwait(false);
        }
        finally
        {
            if (ProcessId != 0)
            {
                _services.Sessions.Unregister(ProcessId);
            }

            await ReleaseBackendAsync(discard: true).ConfigureAwait(false);
            if (_copyIn is { } copy)
            {
                // The client left mid-COPY: closing the shards' connections rolls their transactions back.
                _copyIn = null;
                await ReleaseLegsAsync(copy.Legs).ConfigureAwait(false);
            }

            if (_tls is not null)
            {
                await _tls.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task TryWriteFatalAsync(PostgresErrorFields fields)
    {
        try
        {
            _services.Metrics.Errors.WithLabels(fields.Code ?? SqlState.InternalError, "datatier").Inc();
            BackendMessageWriter.WriteErrorResponse(_output, fields);
            using var cts = new CancellationTokenSource(1000);
            await _output.FlushAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException or ObjectDisposedException)
        {
            // Nothing more to tell a client that is gone.
        }
    }

    /// <summary>
    /// Answers SSLRequest (TLS when a certificate is configured, else 'N') and GSSENCRequest ('N'), starts TLS for a
    /// client that opens with a TLS ClientHello, forwards a CancelRequest, and returns the StartupMessage.
    /// </summary>
    private async Task<StartupMessage?> ReadStartupAsync(CancellationToken cancellationToken)
    {
        bool first = true;
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (first && StartsWithTlsHandshake(buffer))
            {
                // The handshake reads the ClientHello itself, so nothing is consumed here.
                _input.AdvanceTo(buffer.Start);
                first = false;
                await StartTlsAsync(direct: true, cancellationToken).ConfigureAwait(false);
                continue;
            }

            StartupPacket? packet;
            bool moreBuffered;
            try
            {
                if (!_reader.TryReadStartupPacket(ref buffer, out packet))
                {
                    if (result.IsCompleted)
                    {
                        return null;
                    }

                    continue;
                }
            }
            finally
            {
                moreBuffered = !buffer.IsEmpty;
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            first = false;
            switch (packet)
            {
                case SslRequest:
                    await AnswerSslRequestAsync(moreBuffered, cancellationToken).ConfigureAwait(false);
                    continue;
                case GssEncryptionRequest:
                    await DeclineGssEncryptionAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                case CancelRequest cancel:
                    await ForwardCancelAsync(cancel).ConfigureAwait(false);
                    return null;
                case StartupMessage startup:
                    RefuseIfTlsRequired(startup);
                    return startup;
                default:
                    return null;
            }
        }
    }

    private async Task<bool> AuthenticateAsync(StartupMessage startup, CancellationToken cancellationToken)
    {
        string? userName = startup.User;
        if (string.IsNullOrEmpty(userName))
        {
            throw new WireException(SqlState.InvalidAuthorizationSpecification, "no PostgreSQL user name specified in startup packet", isFatal: true);
        }

        var user = _services.Users.Find(userName);
        ScramServerExchange exchange;
        if (user?.Verifier is { } verifier)
        {
            exchange = new ScramServerExchange(verifier);
        }
        else
        {
            if (user is not null)
            {
                WireLog.NoVerifier(_services.Logger, userName);
            }

            // Unknown users and keys without a verifier run the whole exchange and fail like a wrong password.
            exchange = ScramServerExchange.ForUnknownUser(userName, _services.MockSaltSecret);
        }

        BackendMessageWriter.WriteAuthenticationSasl(_output, [ScramServerExchange.MechanismName]);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
        var initial = await ReadOneAsync(static m => FrontendMessageDecoder.DecodeSaslInitialResponse(m), cancellationToken).ConfigureAwait(false);
        if (initial.Mechanism != ScramServerExchange.MechanismName || !initial.HasData)
        {
            throw new PostgresProtocolException(SqlState.ProtocolViolation, $"client selected an invalid SASL authentication mechanism", isFatal: true);
        }

        var step = exchange.ProcessClientFirstMessage(initial.Data.Span);
        if (step.Outcome == ScramStepOutcome.Continue)
        {
            BackendMessageWriter.WriteAuthenticationSaslContinue(_output, step.Message.Span);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            var final = await ReadOneAsync(static m => FrontendMessageDecoder.DecodeSaslResponse(m), cancellationToken).ConfigureAwait(false);
            step = exchange.ProcessClientFinalMessage(final.Span);
        }

        if (step.IsFailure)
        {
            WireLog.AuthenticationFailed(_services.Logger, userName, user is null ? "unknown user" : user.Verifier is null ? "no verifier" : step.FailureReason ?? "failed");
            _services.Metrics.ConnectionsTotal.WithLabels("auth_failed").Inc();
            await TryWriteFatalAsync(step.ToErrorFields(userName)).ConfigureAwait(false);
            return false;
        }

        BackendMessageWriter.WriteAuthenticationSaslFinal(_output, step.Message.Span);
        _user = user!;
        string database = startup.Database ?? "";
        if (!string.Equals(database, _services.Options.Database, StringComparison.Ordinal))
        {
            throw new WireException(SqlState.InvalidCatalogName, $"database \"{database}\" does not exist", $"Connect to database \"{_services.Options.Database}\".", isFatal: true);
        }

        _applicationName = startup.GetParameter("application_name");
        return true;
    }

    private async Task WriteSessionStartAsync(StartupMessage startup, CancellationToken cancellationToken)
    {
        var backend = _services.Pools.ServerParameters ?? await ProbeServerParametersAsync(cancellationToken).ConfigureAwait(false);
        BackendMessageWriter.WriteAuthenticationOk(_output);
        WriteParameter("server_version", backend.GetValueOrDefault("server_version", "15.0"));
        WriteParameter("server_encoding", "UTF8");
        WriteParameter("client_encoding", "UTF8");
        WriteParameter("DateStyle", backend.GetValueOrDefault("DateStyle", "ISO, MDY"));
        WriteParameter("integer_datetimes", "on");
        WriteParameter("standard_conforming_strings", "on");
        WriteParameter("TimeZone", backend.GetValueOrDefault("TimeZone", "UTC"));
        WriteParameter("IntervalStyle", backend.GetValueOrDefault("IntervalStyle", "postgres"));
        WriteParameter("application_name", _applicationName ?? "");
        WriteParameter("is_superuser", "off");
        WriteParameter("session_authorization", startup.User ?? "");
        BackendMessageWriter.WriteBackendKeyData(_output, ProcessId, SecretKey);
        BackendMessageWriter.WriteReadyForQuery(_output, TransactionStatus.Idle);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private void WriteParameter(string name, string value) => BackendMessageWriter.WriteParameterStatus(_output, name, value);

    /// <summary>
    /// Opens one backend connection to learn the server's version and settings: the designated shard's primary, or,
    /// while it is down, any other node that answers (they all run the same PostgreSQL), so that clients can connect
    /// and read through a primary's outage.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> ProbeServerParametersAsync(CancellationToken cancellationToken)
    {
        var topology = _services.Topology.Current;
        var designated = Routing.WireRouter.Designated(topology);
        var nodes = new List<NodeDefinition> { designated.Primary };
        nodes.AddRange(designated.Replicas);
        foreach (var shard in topology.Shards)
        {
            if (!ReferenceEquals(shard, designated))
            {
                nodes.Add(shard.Primary);
                nodes.AddRange(shard.Replicas);
            }
        }

        for (int i = 0; ; i++)
        {
            var pool = _services.Pools.Get(nodes[i]);
            try
            {
                var connection = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
                await pool.ReturnAsync(connection, idle: true).ConfigureAwait(false);
                return connection.ServerParameters;
            }
            catch (WireException) when (i < nodes.Count - 1 && !cancellationToken.IsCancellationRequested)
            {
                // This node is out of reach: the next one will do.
            }
        }
    }

    /// <summary>Reads one typed message and decodes it (the decoder copies what it keeps).</summary>
    private async Task<T> ReadOneAsync<T>(Func<FrontendMessage, T> decode, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (_reader.TryReadMessage(ref buffer, out var message))
            {
                try
                {
                    if (message.Type == FrontendMessageType.Terminate)
                    {
                        throw new ConnectionClosedException();
                    }

                    return decode(message);
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start);
                }
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new ConnectionClosedException();
            }
        }
    }

    /// <summary>The main loop: every typed message until Terminate or the end of the stream.</summary>
    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                // The buffer stays valid across the awaits below: the pipe is advanced only after the loop.
                while (_reader.TryReadMessage(ref buffer, out var message))
                {
                    if (message.Type == FrontendMessageType.Terminate)
                    {
                        return;
                    }

                    await HandleAsync(message, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private async Task HandleAsync(FrontendMessage message, CancellationToken cancellationToken)
    {
        if (_copyIn is not null)
        {
            if (message.Type is FrontendMessageType.Flush or FrontendMessageType.Sync)
            {
                // Ignored in copy-in mode, as PostgreSQL ignores them.
                return;
            }

            bool copyMessage = message.Type is FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail;
            await HandleCopyMessageAsync(message, cancellationToken).ConfigureAwait(false);
            if (copyMessage)
            {
                return;
            }
        }

        try
        {
            switch (message.Type)
            {
                case FrontendMessageType.Query:
                    await HandleQueryAsync(FrontendMessageDecoder.DecodeQuery(message), cancellationToken).ConfigureAwait(false);
                    break;
                case FrontendMessageType.Parse or FrontendMessageType.Bind or FrontendMessageType.Describe
                    or FrontendMessageType.Execute or FrontendMessageType.Close:
                    await HandleExtendedAsync(message, cancellationToken).ConfigureAwait(false);
                    break;
                case FrontendMessageType.Sync:
                    await HandleSyncAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case FrontendMessageType.Flush:
                    await HandleFlushAsync(cancellationToken).ConfigureAwait(false);
                    break;
                case FrontendMessageType.CopyData or FrontendMessageType.CopyDone or FrontendMessageType.CopyFail:
                    // No COPY is in progress (it was refused, or ended with an error): PostgreSQL ignores these too.
                    break;
                case FrontendMessageType.FunctionCall:
                    throw new WireException(SqlState.FeatureNotSupported, "The function-call sub-protocol is not supported through DataTier.");
                default:
                    throw new PostgresProtocolException(SqlState.ProtocolViolation, $"unexpected message type '{(char)message.Type}'", isFatal: true);
            }
        }
        catch (PostgresProtocolException e) when (!e.IsFatal)
        {
            WireLog.ProtocolViolation(_services.Logger, ProcessId, e.SqlState, e.IsFatal);
            await ReportErrorAsync(e.ToErrorFields(), message.Type, cancellationToken).ConfigureAwait(false);
        }
        catch (WireException e) when (!e.IsFatal)
        {
            WireLog.StatementRefused(_services.Logger, ProcessId, e.SqlState);
            await ReportErrorAsync(e.ToErrorFields(), message.Type, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reports an error DataTier raised: after a Query, with ReadyForQuery; in the extended protocol, by skipping
    /// every message until Sync, as PostgreSQL does.
    /// </summary>
    private async Task ReportErrorAsync(PostgresErrorFields fields, FrontendMessageType type, CancellationToken cancellationToken)
    {
        _services.Metrics.Errors.WithLabels(fields.Code ?? SqlState.InternalError, "datatier").Inc();
        if (type is FrontendMessageType.Query or FrontendMessageType.FunctionCall)
        {
            BackendMessageWriter.WriteErrorResponse(_output, fields);
            BackendMessageWriter.WriteReadyForQuery(_output, ClientStatus);
            await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await FailBatchAsync(fields, type == FrontendMessageType.Sync, cancellationToken).ConfigureAwait(false);
    }

    private sealed class ConnectionClosedException : Exception
    {
    }
}
