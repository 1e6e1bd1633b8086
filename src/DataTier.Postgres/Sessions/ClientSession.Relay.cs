using System.Buffers;
using System.IO.Pipelines;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// Relaying backend answers as bytes. Each message sent to the backend queues what it answers with; the relay reads
/// until every queued answer has arrived, drops the answers to DataTier's own messages (a statement prepared under its
/// internal name), emits DataTier's local answers in their place in the sequence, and after an ErrorResponse skips to
/// Sync as the backend does.
/// </content>
internal sealed partial class ClientSession
{
    private readonly Queue<Expectation> _expected = new();

    private enum Expect : byte
    {
        Parse,
        Bind,
        Describe,
        Execute,
        Close,
        Sync,

        /// <summary>A simple Query relayed to the client: everything until ReadyForQuery.</summary>
        Query,

        /// <summary>DataTier's own simple Query (a deferred BEGIN): errors relayed, the rest dropped, until ReadyForQuery.</summary>
        SwallowQuery,

        /// <summary>An answer DataTier makes itself (ParseComplete of a statement it keeps), emitted in sequence.</summary>
        Local,
    }

    private readonly record struct Expectation(Expect Kind, bool Swallow = false, string? Prepared = null, byte[]? Local = null);

    /// <summary>Relays until every expected answer has arrived; returns the backend's ReadyForQuery status when one was expected.</summary>
    private async Task<TransactionStatus?> RelayExpectedAsync(CancellationToken cancellationToken)
    {
        TransactionStatus? ready = null;
        EmitLocals();
        if (_expected.Count == 0)
        {
            return ready;
        }

        var backend = _backend!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        while (_expected.Count > 0)
        {
            timeout.CancelAfter(_services.Options.BackendIoTimeoutMs);
            ReadResult result;
            try
            {
                result = await backend.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw BackendLost(e);
            }

            var buffer = result.Buffer;
            try
            {
                while (_expected.Count > 0 && backend.MessageReader.TryReadMessage(ref buffer, out var message))
                {
                    OnBackendMessage(message, ref ready);
                    EmitLocals();
                }
            }
            catch (PostgresProtocolException e)
            {
                throw BackendLost(e);
            }
            finally
            {
                backend.Reader.AdvanceTo(buffer.Start, _expected.Count == 0 ? buffer.Start : buffer.End);
            }

            if (_expected.Count > 0)
            {
                // Rows stream to the client as they arrive; the last chunk goes out with the ReadyForQuery the caller writes.
                await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_expected.Count > 0 && result.IsCompleted)
            {
                throw BackendLost(new IOException("the backend closed the connection"));
            }
        }

        return ready;
    }

    private void EmitLocals()
    {
        while (_expected.TryPeek(out var head) && head.Kind == Expect.Local)
        {
            _expected.Dequeue();
            if (EmitLocalsDuringFanOut)
            {
                BackendMessageWriter.WriteEncoded(AnswerTarget, head.Local);
            }
        }
    }

    private void OnBackendMessage(in BackendMessage message, ref TransactionStatus? ready)
    {
        var head = _expected.Peek();
        switch (message.Type)
        {
            case BackendMessageType.NoticeResponse or BackendMessageType.NotificationResponse:
                _fill?.Abandon();
                Relay(message);
                return;
            case BackendMessageType.ParameterStatus:
                // The session's own values (user, superuser, version) are DataTier's; settings a transaction changes are relayed.
                var status = BackendMessageDecoder.DecodeParameterStatus(message);
                if (status.Name is not ("is_superuser" or "session_authorization" or "server_version" or "application_name"))
                {
                    _fill?.Abandon();
                    Relay(message);
                }

                return;
            case BackendMessageType.ReadyForQuery:
                ready = BackendMessageDecoder.DecodeReadyForQuery(message);
                if (head.Kind is Expect.Sync or Expect.Query or Expect.SwallowQuery)
                {
                    _expected.Dequeue();
                    return;
                }

                throw new PostgresProtocolException(SqlState.ProtocolViolation, "unexpected ReadyForQuery from the backend", isFatal: true);
            case BackendMessageType.ErrorResponse:
                string? code = BackendMessageDecoder.DecodeErrorFields(message).Code;
                _services.Metrics.Errors.WithLabels(code ?? "", "backend").Inc();
                NoteRefusal(code);
                _fill?.Abandon();
                _roundTripFailed = true;
                FanOutFailed();
                Relay(message);
                if (head.Kind is Expect.Query or Expect.SwallowQuery)
                {
                    return;
                }

                // The backend skips everything until Sync: so do the answers queued for those messages.
                while (_expected.TryPeek(out var skipped) && skipped.Kind != Expect.Sync)
                {
                    _expected.Dequeue();
                    if (skipped.Prepared is not null)
                    {
                        _backend!.Prepared.Remove(skipped.Prepared);
                    }
                }

                if (_expected.Count == 0)
                {
                    _skipUntilSync = true;
                }

                return;
            case BackendMessageType.CopyInResponse or BackendMessageType.CopyOutResponse or BackendMessageType.CopyBothResponse:
                throw new PostgresProtocolException(SqlState.FeatureNotSupported, "COPY started on a backend; DataTier does not relay COPY", isFatal: true);
        }

        bool terminal = head.Kind switch
        {
            Expect.Parse => message.Type == BackendMessageType.ParseComplete,
            Expect.Bind => message.Type == BackendMessageType.BindComplete,
            Expect.Describe => message.Type is BackendMessageType.RowDescription or BackendMessageType.NoData,
            Expect.Execute => message.Type is BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse or BackendMessageType.PortalSuspended,
            Expect.Close => message.Type == BackendMessageType.CloseComplete,
            _ => false,
        };

        if (!head.Swallow && head.Kind != Expect.SwallowQuery)
        {
            if (RelayDuringFanOut(message))
            {
                Relay(message);
            }

            if (message.Type == BackendMessageType.DataRow)
            {
                _roundTripRows++;
            }

            CaptureForFill(message, head.Kind);
        }

        if (terminal)
        {
            _expected.Dequeue();
        }
    }

    private void Relay(in BackendMessage message)
    {
        BackendMessageWriter.WriteEncoded(AnswerTarget, message.Encoded);
        SpillHoldIfLarge();
    }

    /// <summary>One message DataTier answers itself, encoded once.</summary>
    private static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        write(buffer);
        return buffer.WrittenSpan.ToArray();
    }

    private static readonly byte[] ParseCompleteBytes = Encode(static w => BackendMessageWriter.WriteParseComplete(w));
    private static readonly byte[] BindCompleteBytes = Encode(static w => BackendMessageWriter.WriteBindComplete(w));
    private static readonly byte[] CloseCompleteBytes = Encode(static w => BackendMessageWriter.WriteCloseComplete(w));
    private static readonly byte[] NoDataBytes = Encode(static w => BackendMessageWriter.WriteNoData(w));
    private static readonly byte[] NoParametersBytes = Encode(static w => BackendMessageWriter.WriteParameterDescription(w, []));
}
