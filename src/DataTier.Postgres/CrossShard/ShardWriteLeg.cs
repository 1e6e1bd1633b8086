using System.Globalization;
using DataTier.Core.Topology;
using DataTier.Postgres.Backends;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.CrossShard;

/// <summary>
/// One shard's part of a write split across shards (a multi-row INSERT, a COPY): a backend connection to the shard's
/// primary, leased for the whole write, on which DataTier opens a transaction, sends the shard's part, and commits or
/// rolls back when every shard has answered. Answers are read here, never relayed: the session answers the client once.
/// </summary>
internal sealed class ShardWriteLeg
{
    private readonly int _ioTimeoutMs;
    private int _pendingReady;

    public ShardWriteLeg(ShardDefinition shard, BackendConnection backend, BackendPool pool, IDisposable lease, int ioTimeoutMs)
    {
        Shard = shard;
        Backend = backend;
        Pool = pool;
        Lease = lease;
        _ioTimeoutMs = ioTimeoutMs;
    }

    public ShardDefinition Shard { get; }

    public BackendConnection Backend { get; }

    public BackendPool Pool { get; }

    /// <summary>Counts the lease in ReadRouter's requests in flight.</summary>
    public IDisposable Lease { get; }

    /// <summary>The transaction status of the last ReadyForQuery.</summary>
    public TransactionStatus Status { get; private set; } = TransactionStatus.Idle;

    /// <summary>The first ErrorResponse of the part, as the shard encoded it; null while none came.</summary>
    public byte[]? Error { get; private set; }

    /// <summary>The SQLSTATE of <see cref="Error"/>.</summary>
    public string? ErrorCode { get; private set; }

    /// <summary>The rows the last INSERT or COPY of the part reported (its CommandComplete's count).</summary>
    public long Rows { get; private set; }

    /// <summary>The shard's CopyInResponse, once its COPY has started.</summary>
    public byte[]? CopyInResponse { get; private set; }

    /// <summary>The shard is in its COPY's copy-in mode: it takes CopyData until CopyDone or CopyFail.</summary>
    public bool InCopy => CopyInResponse is not null && _pendingReady > 0 && !Backend.IsBroken;

    /// <summary>Every answer owed has been read: the connection is at ReadyForQuery and can go back to its pool.</summary>
    public bool AtReady => _pendingReady == 0 && !Backend.IsBroken;

    /// <summary>Writes a simple Query (BEGIN, COMMIT, ROLLBACK, a COPY); its answers are read by <see cref="ReadAsync"/>.</summary>
    public void WriteQuery(string sql)
    {
        FrontendMessageWriter.WriteQuery(Backend.Writer, sql);
        _pendingReady++;
    }

    /// <summary>Writes a statement with its parameters as Parse, Bind, Execute and Sync (unnamed statement and portal).</summary>
    public void WriteStatement(string sql, ReadOnlySpan<uint> parameterTypes, ReadOnlySpan<FormatCode> parameterFormats, ReadOnlySpan<ReadOnlyMemory<byte>?> parameters)
    {
        var writer = Backend.Writer;
        FrontendMessageWriter.WriteParse(writer, "", sql, parameterTypes);
        FrontendMessageWriter.WriteBind(writer, "", "", parameterFormats, parameters, []);
        FrontendMessageWriter.WriteExecute(writer, "", 0);
        FrontendMessageWriter.WriteSync(writer);
        _pendingReady++;
    }

    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_ioTimeoutMs);
        await Backend.FlushAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the answers owed up to the last ReadyForQuery, or up to a CopyInResponse when <paramref name="untilCopyIn"/>
    /// (the COPY's own ReadyForQuery comes after CopyDone or CopyFail). An error is kept in <see cref="Error"/>, not thrown.
    /// </summary>
    /// <exception cref="IOException">The connection broke or timed out; the backend is marked broken.</exception>
    public async Task ReadAsync(bool untilCopyIn, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (_pendingReady > 0)
            {
                timeout.CancelAfter(_ioTimeoutMs);
                var result = await Backend.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                bool stop = false;
                try
                {
                    while (!stop && _pendingReady > 0 && Backend.MessageReader.TryReadMessage(ref buffer, out var message))
                    {
                        stop = OnMessage(message, untilCopyIn);
                    }
                }
                finally
                {
                    Backend.Reader.AdvanceTo(buffer.Start, stop || _pendingReady == 0 ? buffer.Start : buffer.End);
                }

                if (stop)
                {
                    return;
                }

                if (_pendingReady > 0 && result.IsCompleted)
                {
                    throw new IOException($"The connection to shard {Shard.Id} closed.");
                }
            }
        }
        catch (Exception e) when (IsConnectionFailure(e, cancellationToken))
        {
            throw Broken(e);
        }
    }

    /// <summary>
    /// During a COPY: reads what the shard has sent so far without waiting for more. A shard answers nothing in copy-in
    /// mode unless its COPY failed (an ErrorResponse, then ReadyForQuery, both read here) or it sends a notice.
    /// </summary>
    /// <exception cref="IOException">The connection broke or timed out; the backend is marked broken.</exception>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        if (_pendingReady == 0 || !Backend.HasPendingInput())
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_ioTimeoutMs);
        try
        {
            var result = await Backend.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (_pendingReady > 0 && Backend.MessageReader.TryReadMessage(ref buffer, out var message))
                {
                    OnMessage(message, untilCopyIn: false);
                }
            }
            finally
            {
                Backend.Reader.AdvanceTo(buffer.Start, _pendingReady == 0 ? buffer.Start : buffer.End);
            }
        }
        catch (Exception e) when (IsConnectionFailure(e, cancellationToken))
        {
            throw Broken(e);
        }

        if (Error is not null && _pendingReady > 0)
        {
            // The ReadyForQuery that follows the error is on its way.
            await ReadAsync(untilCopyIn: false, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsConnectionFailure(Exception e, CancellationToken cancellationToken) =>
        e is IOException or System.Net.Sockets.SocketException or PostgresProtocolException or BackendException
            or OperationCanceledException && !cancellationToken.IsCancellationRequested;

    /// <summary>The connection can no longer be trusted: it is closed when it goes back to its pool.</summary>
    private IOException Broken(Exception e)
    {
        Backend.IsBroken = true;
        return e as IOException ?? new IOException($"The connection to shard {Shard.Id} broke or timed out ({e.GetType().Name}).", e);
    }

    private bool OnMessage(in BackendMessage message, bool untilCopyIn)
    {
        switch (message.Type)
        {
            case BackendMessageType.ReadyForQuery:
                Status = BackendMessageDecoder.DecodeReadyForQuery(message);
                _pendingReady--;
                return false;
            case BackendMessageType.ErrorResponse:
                if (Error is null)
                {
                    Error = System.Buffers.BuffersExtensions.ToArray(message.Encoded);
                    ErrorCode = BackendMessageDecoder.DecodeErrorFields(message).Code;
                }

                return false;
            case BackendMessageType.CommandComplete:
                string tag = BackendMessageDecoder.DecodeCommandComplete(message);
                int space = tag.LastIndexOf(' ');
                if (space > 0 && (tag.StartsWith("INSERT ", StringComparison.Ordinal) || tag.StartsWith("COPY ", StringComparison.Ordinal)))
                {
                    Rows = long.Parse(tag.AsSpan(space + 1), NumberStyles.None, CultureInfo.InvariantCulture);
                }

                return false;
            case BackendMessageType.CopyInResponse:
                CopyInResponse = System.Buffers.BuffersExtensions.ToArray(message.Encoded);
                return untilCopyIn;
            case BackendMessageType.CopyOutResponse or BackendMessageType.CopyBothResponse:
                throw new PostgresProtocolException(SqlState.ProtocolViolation, "unexpected COPY direction from the backend", isFatal: true);
            default:
                // ParseComplete, BindComplete, notices, parameter changes: the session answers the client itself.
                return false;
        }
    }

    /// <summary>Writes one CopyData message of rows for this shard (buffered until <see cref="FlushAsync"/>).</summary>
    public void WriteCopyData(ReadOnlySpan<byte> data) => FrontendMessageWriter.WriteCopyData(Backend.Writer, data);

    public void WriteCopyDone() => FrontendMessageWriter.WriteCopyDone(Backend.Writer);

    public void WriteCopyFail(string reason) => FrontendMessageWriter.WriteCopyFail(Backend.Writer, reason);

    /// <summary>Gives the backend back: idle only when it answered everything and its transaction is over.</summary>
    public async ValueTask ReleaseAsync()
    {
        Lease.Dispose();
        await Pool.ReturnAsync(Backend, idle: AtReady && Status == TransactionStatus.Idle).ConfigureAwait(false);
    }
}
