using System.Buffers;
using System.Collections.Immutable;
using DataTier.Core.Sql.CrossShard;
using DataTier.Postgres.Backends;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.CrossShard;

/// <summary>
/// One shard's part of a merged read on the wire: the rewritten statement sent as Parse/Bind/Describe/Execute/Sync on a
/// backend connection of that shard, then its DataRows read one at a time as the merge pulls them, so a k-way merge holds
/// one row per shard and the backend's socket applies backpressure to the rest.
/// </summary>
internal sealed class BackendRowStream : IShardRowStream
{
    private readonly BackendConnection _backend;
    private readonly string _shardId;
    private readonly int _ioTimeoutMs;
    private bool _atEnd;

    public BackendRowStream(BackendConnection backend, string shardId, int ioTimeoutMs)
    {
        _backend = backend;
        _shardId = shardId;
        _ioTimeoutMs = ioTimeoutMs;
    }

    /// <summary>The columns the shard returns (after <see cref="StartAsync"/>).</summary>
    public ImmutableArray<FieldDescription> Fields { get; private set; } = [];

    /// <summary>Whether the backend has answered ReadyForQuery: the connection can go back to its pool.</summary>
    public bool Finished { get; private set; }

    public BackendConnection Backend => _backend;

    /// <summary>Writes the shard's statement with the client's parameters and the result formats the merge asks for.</summary>
    /// <param name="prelude">A query run first in the same implicit transaction (the ownership filter of a shard in a move), its answer skipped; null: none.</param>
    public void Send(string? prelude, string sql, ReadOnlySpan<uint> parameterTypes, ReadOnlySpan<FormatCode> parameterFormats, ReadOnlySpan<ReadOnlyMemory<byte>?> parameters, ReadOnlySpan<FormatCode> resultFormats)
    {
        var writer = _backend.Writer;
        if (prelude is not null)
        {
            // Messages up to Sync form one implicit transaction, and each is processed after the one before it: the
            // statement below is parsed with the prelude's search_path. The prelude's row (no RowDescription, as it is
            // not described) is passed over by StartAsync.
            FrontendMessageWriter.WriteParse(writer, "", prelude, []);
            FrontendMessageWriter.WriteBind(writer, "", "", [], [], []);
            FrontendMessageWriter.WriteExecute(writer, "", 0);
        }

        FrontendMessageWriter.WriteParse(writer, "", sql, parameterTypes);
        FrontendMessageWriter.WriteBind(writer, "", "", parameterFormats, parameters, resultFormats);
        FrontendMessageWriter.WriteDescribe(writer, StatementOrPortal.Portal, "");
        FrontendMessageWriter.WriteExecute(writer, "", 0);
        FrontendMessageWriter.WriteSync(writer);
    }

    /// <summary>Reads up to the RowDescription.</summary>
    /// <exception cref="ShardLegFailedException">The shard refused the statement.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _backend.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var (type, payload) = await NextAsync(cancellationToken).ConfigureAwait(false);
            switch (type)
            {
                case BackendMessageType.RowDescription:
                    Fields = BackendMessageDecoder.DecodeRowDescription(new BackendMessage(type, payload));
                    return;
                case BackendMessageType.NoData:
                    _atEnd = true;
                    return;
            }
        }
    }

    public async ValueTask<object?[]?> ReadAsync(CancellationToken cancellationToken)
    {
        while (!_atEnd)
        {
            var (type, encoded) = await NextAsync(cancellationToken).ConfigureAwait(false);
            switch (type)
            {
                case BackendMessageType.DataRow:
                    return ReadRow(encoded);
                case BackendMessageType.CommandComplete or BackendMessageType.EmptyQueryResponse:
                    _atEnd = true;
                    break;
            }
        }

        return null;
    }

    /// <summary>Reads what is left of the answer (the merge stopped early at a LIMIT) up to ReadyForQuery.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (!Finished)
        {
            await NextAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private object?[] ReadRow(ReadOnlySequence<byte> encoded)
    {
        var reader = new SequenceReader<byte>(encoded.Slice(5));
        reader.TryReadBigEndian(out short count);
        var row = new object?[count];
        for (int i = 0; i < count; i++)
        {
            reader.TryReadBigEndian(out int length);
            if (length < 0)
            {
                continue;
            }

            var bytes = new byte[length];
            reader.TryCopyTo(bytes);
            reader.Advance(length);
            var field = Fields[i];
            row[i] = new WireDatum(bytes, field.TypeOid, field.Format);
        }

        return row;
    }

    /// <summary>The next message (copied out of the pipe); an ErrorResponse reads on to ReadyForQuery and throws.</summary>
    private async ValueTask<(BackendMessageType Type, ReadOnlySequence<byte> Encoded)> NextAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_ioTimeoutMs);
        byte[]? error = null;
        while (true)
        {
            var result = await _backend.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!_backend.MessageReader.TryReadMessage(ref buffer, out var message))
            {
                _backend.Reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new IOException($"The connection to shard {_shardId} closed during a merged read.");
                }

                continue;
            }

            var type = message.Type;
            var copy = new ReadOnlySequence<byte>(message.Encoded.ToArray());
            _backend.Reader.AdvanceTo(buffer.Start);
            switch (type)
            {
                case BackendMessageType.ErrorResponse:
                    error = copy.ToArray();
                    continue;
                case BackendMessageType.ReadyForQuery:
                    Finished = true;
                    _atEnd = true;
                    if (error is not null)
                    {
                        throw new ShardLegFailedException(error, _shardId);
                    }

                    return (type, copy);
                case BackendMessageType.NoticeResponse or BackendMessageType.ParameterStatus or BackendMessageType.NotificationResponse:
                    continue;
                default:
                    if (error is null)
                    {
                        return (type, copy);
                    }

                    continue;
            }
        }
    }
}
