using System.Buffers;

namespace DataTier.Postgres.Protocol;

/// <summary>Writes the messages a server sends into an <see cref="IBufferWriter{T}"/> such as a <c>PipeWriter</c>.</summary>
/// <remarks>
/// Static methods rather than a writer object so they can be called between awaits. Each method writes one whole
/// message and advances the output; flushing is the caller's, so a batch of messages leaves in one write. To keep
/// encoded messages (a cached RowDescription and its DataRows), write them into an <see cref="ArrayBufferWriter{T}"/>
/// and replay its <c>WrittenMemory</c> with <see cref="WriteEncoded(IBufferWriter{byte}, ReadOnlySpan{byte})"/>.
/// </remarks>
public static class BackendMessageWriter
{
    /// <summary>The single byte 'N' that refuses an SSLRequest or GSSENCRequest (it is not a message: no length).</summary>
    public static void WriteEncryptionRefused(IBufferWriter<byte> output) => WriteSingleByte(output, (byte)'N');

    /// <summary>The single byte 'S' that accepts an SSLRequest; the TLS handshake follows.</summary>
    public static void WriteSslAccepted(IBufferWriter<byte> output) => WriteSingleByte(output, (byte)'S');

    /// <summary>AuthenticationOk.</summary>
    public static void WriteAuthenticationOk(IBufferWriter<byte> output) =>
        WriteAuthenticationCode(output, AuthenticationRequestType.Ok);

    /// <summary>AuthenticationCleartextPassword.</summary>
    public static void WriteAuthenticationCleartextPassword(IBufferWriter<byte> output) =>
        WriteAuthenticationCode(output, AuthenticationRequestType.CleartextPassword);

    /// <summary>AuthenticationMD5Password with its 4-byte salt.</summary>
    public static void WriteAuthenticationMd5Password(IBufferWriter<byte> output, ReadOnlySpan<byte> salt)
    {
        if (salt.Length != 4)
        {
            throw new ArgumentException($"an MD5 salt is 4 bytes, got {salt.Length}", nameof(salt));
        }

        WriteAuthenticationWithData(output, AuthenticationRequestType.Md5Password, salt);
    }

    /// <summary>AuthenticationSASL with the mechanisms offered, e.g. ["SCRAM-SHA-256"].</summary>
    public static void WriteAuthenticationSasl(IBufferWriter<byte> output, ReadOnlySpan<string> mechanisms)
    {
        int length = 4 + 1;
        Span<int> sizes = mechanisms.Length <= 8 ? stackalloc int[8] : new int[mechanisms.Length];
        for (int i = 0; i < mechanisms.Length; i++)
        {
            sizes[i] = MessageBuilder.CStringLength(mechanisms[i], nameof(mechanisms));
            length += sizes[i];
        }

        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.Authentication, length);
        builder.WriteInt32((int)AuthenticationRequestType.Sasl);
        for (int i = 0; i < mechanisms.Length; i++)
        {
            builder.WriteCString(mechanisms[i], sizes[i]);
        }

        builder.WriteByte(0);
        builder.Flush();
    }

    /// <summary>AuthenticationSASLContinue carrying the mechanism's challenge (server-first-message for SCRAM).</summary>
    public static void WriteAuthenticationSaslContinue(IBufferWriter<byte> output, ReadOnlySpan<byte> data) =>
        WriteAuthenticationWithData(output, AuthenticationRequestType.SaslContinue, data);

    /// <summary>AuthenticationSASLFinal carrying the mechanism's outcome (server-final-message for SCRAM).</summary>
    public static void WriteAuthenticationSaslFinal(IBufferWriter<byte> output, ReadOnlySpan<byte> data) =>
        WriteAuthenticationWithData(output, AuthenticationRequestType.SaslFinal, data);

    /// <summary>ParameterStatus: a run-time parameter's current value.</summary>
    public static void WriteParameterStatus(IBufferWriter<byte> output, string name, string value)
    {
        int nameLength = MessageBuilder.CStringLength(name, nameof(name));
        int valueLength = MessageBuilder.CStringLength(value, nameof(value));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.ParameterStatus, nameLength + valueLength);
        builder.WriteCString(name, nameLength);
        builder.WriteCString(value, valueLength);
        builder.Flush();
    }

    /// <summary>BackendKeyData: the keys a CancelRequest for this session must carry.</summary>
    public static void WriteBackendKeyData(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.BackendKeyData, 8);
        builder.WriteInt32(processId);
        builder.WriteInt32(secretKey);
        builder.Flush();
    }

    /// <summary>ReadyForQuery with the session's transaction status.</summary>
    public static void WriteReadyForQuery(IBufferWriter<byte> output, TransactionStatus status)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.ReadyForQuery, 1);
        builder.WriteByte((byte)status);
        builder.Flush();
    }

    /// <summary>RowDescription: one <see cref="FieldDescription"/> per column.</summary>
    public static void WriteRowDescription(IBufferWriter<byte> output, ReadOnlySpan<FieldDescription> fields)
    {
        CheckCount(fields.Length, nameof(fields));
        int length = 2;
        foreach (FieldDescription field in fields)
        {
            length = checked(length + MessageBuilder.CStringLength(field.Name, nameof(fields)) + 18);
        }

        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.RowDescription, length);
        builder.WriteInt16((short)fields.Length);
        foreach (FieldDescription field in fields)
        {
            // Recounting is cheaper than a size array for the few dozen columns a row has.
            builder.WriteCString(field.Name, MessageBuilder.CStringLength(field.Name, nameof(fields)));
            builder.WriteUInt32(field.TableOid);
            builder.WriteInt16(field.ColumnAttributeNumber);
            builder.WriteUInt32(field.TypeOid);
            builder.WriteInt16(field.TypeSize);
            builder.WriteInt32(field.TypeModifier);
            builder.WriteInt16((short)field.Format);
        }

        builder.Flush();
    }

    /// <summary>DataRow: each value's bytes in the column's format; a null entry is SQL NULL (length -1).</summary>
    public static void WriteDataRow(IBufferWriter<byte> output, ReadOnlySpan<ReadOnlyMemory<byte>?> values)
    {
        CheckCount(values.Length, nameof(values));
        int length = 2;
        foreach (ReadOnlyMemory<byte>? value in values)
        {
            length = checked(length + 4 + (value?.Length ?? 0));
        }

        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.DataRow, length);
        builder.WriteInt16((short)values.Length);
        foreach (ReadOnlyMemory<byte>? value in values)
        {
            if (value is { } bytes)
            {
                builder.WriteInt32(bytes.Length);
                builder.WriteBytes(bytes.Span);
            }
            else
            {
                builder.WriteInt32(-1);
            }
        }

        builder.Flush();
    }

    /// <summary>CommandComplete with its tag, e.g. "SELECT 5", "INSERT 0 1", "UPDATE 3", "BEGIN".</summary>
    public static void WriteCommandComplete(IBufferWriter<byte> output, string tag)
    {
        int tagLength = MessageBuilder.CStringLength(tag, nameof(tag));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.CommandComplete, tagLength);
        builder.WriteCString(tag, tagLength);
        builder.Flush();
    }

    /// <summary>EmptyQueryResponse: the answer to an empty query string, in place of CommandComplete.</summary>
    public static void WriteEmptyQueryResponse(IBufferWriter<byte> output) => WriteEmpty(output, BackendMessageType.EmptyQueryResponse);

    /// <summary>ErrorResponse with every non-null field, in the declared order.</summary>
    public static void WriteErrorResponse(IBufferWriter<byte> output, PostgresErrorFields fields) =>
        WriteFields(output, BackendMessageType.ErrorResponse, fields);

    /// <summary>NoticeResponse with every non-null field, in the declared order.</summary>
    public static void WriteNoticeResponse(IBufferWriter<byte> output, PostgresErrorFields fields) =>
        WriteFields(output, BackendMessageType.NoticeResponse, fields);

    /// <summary>ParseComplete.</summary>
    public static void WriteParseComplete(IBufferWriter<byte> output) => WriteEmpty(output, BackendMessageType.ParseComplete);

    /// <summary>BindComplete.</summary>
    public static void WriteBindComplete(IBufferWriter<byte> output) => WriteEmpty(output, BackendMessageType.BindComplete);

    /// <summary>CloseComplete.</summary>
    public static void WriteCloseComplete(IBufferWriter<byte> output) => WriteEmpty(output, BackendMessageType.CloseComplete);

    /// <summary>NoData: the statement or portal described returns no rows.</summary>
    public static void WriteNoData(IBufferWriter<byte> output) => WriteEmpty(output, BackendMessageType.NoData);

    /// <summary>PortalSuspended: Execute's row limit was reached before the portal ended.</summary>
    public static void WritePortalSuspended(IBufferWriter<byte> output) => WriteEmpty(output, BackendMessageType.PortalSuspended);

    /// <summary>ParameterDescription: the type OID of each parameter of a described statement.</summary>
    public static void WriteParameterDescription(IBufferWriter<byte> output, ReadOnlySpan<uint> parameterTypeOids)
    {
        CheckCount(parameterTypeOids.Length, nameof(parameterTypeOids));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.ParameterDescription, 2 + (4 * parameterTypeOids.Length));
        builder.WriteInt16((short)parameterTypeOids.Length);
        foreach (uint oid in parameterTypeOids)
        {
            builder.WriteUInt32(oid);
        }

        builder.Flush();
    }

    /// <summary>
    /// NegotiateProtocolVersion: the newest minor version supported for the requested major version, and the
    /// "_pq_." startup options that were not recognized.
    /// </summary>
    public static void WriteNegotiateProtocolVersion(IBufferWriter<byte> output, int newestMinorVersion, ReadOnlySpan<string> unrecognizedOptions)
    {
        int length = 8;
        foreach (string option in unrecognizedOptions)
        {
            length = checked(length + MessageBuilder.CStringLength(option, nameof(unrecognizedOptions)));
        }

        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.NegotiateProtocolVersion, length);
        builder.WriteInt32(newestMinorVersion);
        builder.WriteInt32(unrecognizedOptions.Length);
        foreach (string option in unrecognizedOptions)
        {
            builder.WriteCString(option, MessageBuilder.CStringLength(option, nameof(unrecognizedOptions)));
        }

        builder.Flush();
    }

    /// <summary>Any message from its type and an already-encoded payload (the length is added).</summary>
    public static void WriteMessage(IBufferWriter<byte> output, BackendMessageType type, ReadOnlySpan<byte> payload) =>
        MessageBuilder.WriteWhole(output, (byte)type, payload);

    /// <summary>Any message from its type and an already-encoded payload, e.g. a <see cref="BackendMessage.Payload"/> being relayed.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, BackendMessageType type, in ReadOnlySequence<byte> payload) =>
        MessageBuilder.WriteWhole(output, (byte)type, payload);

    /// <summary>Whole messages already encoded (type, length, payload), copied verbatim: a cached result, a relayed backend answer.</summary>
    public static void WriteEncoded(IBufferWriter<byte> output, ReadOnlySpan<byte> messages)
    {
        var builder = new MessageBuilder(output);
        builder.WriteBytes(messages);
        builder.Flush();
    }

    /// <summary>Whole messages already encoded, copied verbatim from a sequence (e.g. a backend pipe's buffer).</summary>
    public static void WriteEncoded(IBufferWriter<byte> output, in ReadOnlySequence<byte> messages)
    {
        var builder = new MessageBuilder(output);
        builder.WriteBytes(messages);
        builder.Flush();
    }

    private static void WriteFields(IBufferWriter<byte> output, BackendMessageType type, PostgresErrorFields fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        ReadOnlySpan<byte> codes = PostgresErrorFields.FieldCodes;
        Span<int> sizes = stackalloc int[codes.Length];
        int length = 1;
        for (int i = 0; i < codes.Length; i++)
        {
            string? value = fields[(char)codes[i]];
            sizes[i] = value is null ? 0 : MessageBuilder.CStringLength(value, nameof(fields));
            length = checked(length + (value is null ? 0 : 1 + sizes[i]));
        }

        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)type, length);
        for (int i = 0; i < codes.Length; i++)
        {
            if (fields[(char)codes[i]] is { } value)
            {
                builder.WriteByte(codes[i]);
                builder.WriteCString(value, sizes[i]);
            }
        }

        builder.WriteByte(0);
        builder.Flush();
    }

    private static void WriteAuthenticationCode(IBufferWriter<byte> output, AuthenticationRequestType type)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.Authentication, 4);
        builder.WriteInt32((int)type);
        builder.Flush();
    }

    private static void WriteAuthenticationWithData(IBufferWriter<byte> output, AuthenticationRequestType type, ReadOnlySpan<byte> data)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)BackendMessageType.Authentication, 4 + data.Length);
        builder.WriteInt32((int)type);
        builder.WriteBytes(data);
        builder.Flush();
    }

    private static void WriteEmpty(IBufferWriter<byte> output, BackendMessageType type)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)type, 0);
        builder.Flush();
    }

    private static void WriteSingleByte(IBufferWriter<byte> output, byte value)
    {
        var builder = new MessageBuilder(output);
        builder.WriteByte(value);
        builder.Flush();
    }

    private static void CheckCount(int count, string parameterName)
    {
        // The protocol's Int16 counts are read as unsigned (65535 parameters are valid); PostgreSQL's own column
        // limit is 1664, so this only stops nonsense.
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"at most {ushort.MaxValue} entries fit in one message, got {count}", parameterName);
        }
    }
}
