using System.Buffers;

namespace DataTier.Postgres.Protocol;

/// <summary>Writes the messages a client sends, for DataTier acting as a backend's client (and for relaying).</summary>
/// <remarks>Static methods like <see cref="BackendMessageWriter"/>: each writes one whole message; flushing is the caller's.</remarks>
public static class FrontendMessageWriter
{
    /// <summary>StartupMessage: protocol version and parameters (user is required by PostgreSQL).</summary>
    public static void WriteStartupMessage(IBufferWriter<byte> output, ProtocolVersion version, ReadOnlySpan<KeyValuePair<string, string>> parameters)
    {
        int length = 4 + 4 + 1;
        foreach (KeyValuePair<string, string> parameter in parameters)
        {
            if (parameter.Key.Length == 0)
            {
                throw new ArgumentException("a startup parameter name cannot be empty: it would end the list", nameof(parameters));
            }

            length = checked(length + MessageBuilder.CStringLength(parameter.Key, nameof(parameters)) + MessageBuilder.CStringLength(parameter.Value, nameof(parameters)));
        }

        var builder = new MessageBuilder(output);
        builder.WriteInt32(length);
        builder.WriteInt32(version.Code);
        foreach (KeyValuePair<string, string> parameter in parameters)
        {
            builder.WriteCString(parameter.Key, MessageBuilder.CStringLength(parameter.Key, nameof(parameters)));
            builder.WriteCString(parameter.Value, MessageBuilder.CStringLength(parameter.Value, nameof(parameters)));
        }

        builder.WriteByte(0);
        builder.Flush();
    }

    /// <summary>SSLRequest.</summary>
    public static void WriteSslRequest(IBufferWriter<byte> output) => WriteRequestCode(output, StartupPacket.SslRequestCode);

    /// <summary>GSSENCRequest.</summary>
    public static void WriteGssEncryptionRequest(IBufferWriter<byte> output) => WriteRequestCode(output, StartupPacket.GssEncryptionRequestCode);

    /// <summary>CancelRequest for the session a BackendKeyData described.</summary>
    public static void WriteCancelRequest(IBufferWriter<byte> output, int processId, int secretKey)
    {
        var builder = new MessageBuilder(output);
        builder.WriteInt32(16);
        builder.WriteInt32(StartupPacket.CancelRequestCode);
        builder.WriteInt32(processId);
        builder.WriteInt32(secretKey);
        builder.Flush();
    }

    /// <summary>Query: the simple query protocol.</summary>
    public static void WriteQuery(IBufferWriter<byte> output, string sql) => WriteString(output, FrontendMessageType.Query, sql);

    /// <summary>Parse: prepare <paramref name="query"/> as <paramref name="statementName"/>.</summary>
    public static void WriteParse(IBufferWriter<byte> output, string statementName, string query, ReadOnlySpan<uint> parameterTypeOids)
    {
        CheckCount(parameterTypeOids.Length, nameof(parameterTypeOids));
        int nameLength = MessageBuilder.CStringLength(statementName, nameof(statementName));
        int queryLength = MessageBuilder.CStringLength(query, nameof(query));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)FrontendMessageType.Parse, checked(nameLength + queryLength + 2 + (4 * parameterTypeOids.Length)));
        builder.WriteCString(statementName, nameLength);
        builder.WriteCString(query, queryLength);
        builder.WriteInt16(unchecked((short)parameterTypeOids.Length));
        foreach (uint oid in parameterTypeOids)
        {
            builder.WriteUInt32(oid);
        }

        builder.Flush();
    }

    /// <summary>Bind: parameter values (a null entry is SQL NULL) with their format codes, and the result format codes.</summary>
    public static void WriteBind(
        IBufferWriter<byte> output,
        string portalName,
        string statementName,
        ReadOnlySpan<FormatCode> parameterFormats,
        ReadOnlySpan<ReadOnlyMemory<byte>?> values,
        ReadOnlySpan<FormatCode> resultFormats)
    {
        CheckCount(parameterFormats.Length, nameof(parameterFormats));
        CheckCount(values.Length, nameof(values));
        CheckCount(resultFormats.Length, nameof(resultFormats));
        int portalLength = MessageBuilder.CStringLength(portalName, nameof(portalName));
        int statementLength = MessageBuilder.CStringLength(statementName, nameof(statementName));
        int length = portalLength + statementLength + 2 + (2 * parameterFormats.Length) + 2 + 2 + (2 * resultFormats.Length);
        foreach (ReadOnlyMemory<byte>? value in values)
        {
            length = checked(length + 4 + (value?.Length ?? 0));
        }

        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)FrontendMessageType.Bind, length);
        builder.WriteCString(portalName, portalLength);
        builder.WriteCString(statementName, statementLength);
        WriteFormats(ref builder, parameterFormats);
        builder.WriteInt16(unchecked((short)values.Length));
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

        WriteFormats(ref builder, resultFormats);
        builder.Flush();
    }

    /// <summary>Describe a statement or portal.</summary>
    public static void WriteDescribe(IBufferWriter<byte> output, StatementOrPortal target, string name) =>
        WriteTargeted(output, FrontendMessageType.Describe, target, name);

    /// <summary>Close a statement or portal.</summary>
    public static void WriteClose(IBufferWriter<byte> output, StatementOrPortal target, string name) =>
        WriteTargeted(output, FrontendMessageType.Close, target, name);

    /// <summary>Execute a portal; <paramref name="maxRows"/> 0 means every row.</summary>
    public static void WriteExecute(IBufferWriter<byte> output, string portalName, int maxRows)
    {
        int portalLength = MessageBuilder.CStringLength(portalName, nameof(portalName));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)FrontendMessageType.Execute, portalLength + 4);
        builder.WriteCString(portalName, portalLength);
        builder.WriteInt32(maxRows);
        builder.Flush();
    }

    /// <summary>Sync.</summary>
    public static void WriteSync(IBufferWriter<byte> output) => WriteEmpty(output, FrontendMessageType.Sync);

    /// <summary>Flush.</summary>
    public static void WriteFlush(IBufferWriter<byte> output) => WriteEmpty(output, FrontendMessageType.Flush);

    /// <summary>Terminate.</summary>
    public static void WriteTerminate(IBufferWriter<byte> output) => WriteEmpty(output, FrontendMessageType.Terminate);

    /// <summary>PasswordMessage: a cleartext password or an "md5..." hash.</summary>
    public static void WritePassword(IBufferWriter<byte> output, string password) => WriteString(output, FrontendMessageType.Password, password);

    /// <summary>SASLInitialResponse with the chosen mechanism and its first message.</summary>
    public static void WriteSaslInitialResponse(IBufferWriter<byte> output, string mechanism, ReadOnlySpan<byte> data)
    {
        int mechanismLength = MessageBuilder.CStringLength(mechanism, nameof(mechanism));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)FrontendMessageType.Password, checked(mechanismLength + 4 + data.Length));
        builder.WriteCString(mechanism, mechanismLength);
        builder.WriteInt32(data.Length);
        builder.WriteBytes(data);
        builder.Flush();
    }

    /// <summary>SASLInitialResponse with no initial response (length -1).</summary>
    public static void WriteSaslInitialResponseWithoutData(IBufferWriter<byte> output, string mechanism)
    {
        int mechanismLength = MessageBuilder.CStringLength(mechanism, nameof(mechanism));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)FrontendMessageType.Password, mechanismLength + 4);
        builder.WriteCString(mechanism, mechanismLength);
        builder.WriteInt32(-1);
        builder.Flush();
    }

    /// <summary>SASLResponse: the mechanism's next message (client-final-message for SCRAM).</summary>
    public static void WriteSaslResponse(IBufferWriter<byte> output, ReadOnlySpan<byte> data) =>
        WriteMessage(output, FrontendMessageType.Password, data);

    /// <summary>CopyData.</summary>
    public static void WriteCopyData(IBufferWriter<byte> output, ReadOnlySpan<byte> data) =>
        WriteMessage(output, FrontendMessageType.CopyData, data);

    /// <summary>CopyDone.</summary>
    public static void WriteCopyDone(IBufferWriter<byte> output) => WriteEmpty(output, FrontendMessageType.CopyDone);

    /// <summary>CopyFail with the reason.</summary>
    public static void WriteCopyFail(IBufferWriter<byte> output, string reason) => WriteString(output, FrontendMessageType.CopyFail, reason);

    /// <summary>Any message from its type and an already-encoded payload, e.g. a client's Bind relayed to a backend.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, FrontendMessageType type, ReadOnlySpan<byte> payload) =>
        MessageBuilder.WriteWhole(output, (byte)type, payload);

    /// <summary>Any message from its type and a payload sequence, e.g. a <see cref="FrontendMessage.Payload"/> being relayed.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, FrontendMessageType type, in ReadOnlySequence<byte> payload) =>
        MessageBuilder.WriteWhole(output, (byte)type, payload);

    private static void WriteFormats(ref MessageBuilder builder, ReadOnlySpan<FormatCode> formats)
    {
        builder.WriteInt16(unchecked((short)formats.Length));
        foreach (FormatCode format in formats)
        {
            builder.WriteInt16((short)format);
        }
    }

    private static void WriteTargeted(IBufferWriter<byte> output, FrontendMessageType type, StatementOrPortal target, string name)
    {
        int nameLength = MessageBuilder.CStringLength(name, nameof(name));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)type, 1 + nameLength);
        builder.WriteByte((byte)target);
        builder.WriteCString(name, nameLength);
        builder.Flush();
    }

    private static void WriteString(IBufferWriter<byte> output, FrontendMessageType type, string value)
    {
        int valueLength = MessageBuilder.CStringLength(value, nameof(value));
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)type, valueLength);
        builder.WriteCString(value, valueLength);
        builder.Flush();
    }

    private static void WriteEmpty(IBufferWriter<byte> output, FrontendMessageType type)
    {
        var builder = new MessageBuilder(output);
        builder.WriteHeader((byte)type, 0);
        builder.Flush();
    }

    private static void WriteRequestCode(IBufferWriter<byte> output, int code)
    {
        var builder = new MessageBuilder(output);
        builder.WriteInt32(8);
        builder.WriteInt32(code);
        builder.Flush();
    }

    private static void CheckCount(int count, string parameterName)
    {
        if (count > ushort.MaxValue)
        {
            throw new ArgumentException($"at most {ushort.MaxValue} entries fit in one message, got {count}", parameterName);
        }
    }
}
