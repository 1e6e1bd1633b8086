using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace DataTier.Postgres.Protocol;

/// <summary>Decodes the payload of a framed <see cref="FrontendMessage"/> into an owned value.</summary>
/// <remarks>
/// Every result owns its data (strings, copies), so it stays valid after the pipe is advanced. Malformed contents throw
/// a non-fatal <see cref="PostgresProtocolException"/>: the frame was intact, so the session can report an ERROR and
/// go on, as PostgreSQL does. Passing a message of another type is a programming error (<see cref="ArgumentException"/>).
/// </remarks>
public static class FrontendMessageDecoder
{
    /// <summary>Query 'Q': the SQL text.</summary>
    public static string DecodeQuery(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Query);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string query = reader.ReadCString();
            reader.EnsureEnd("Query");
            return query;
        });
    }

    /// <summary>Parse 'P': statement name, SQL text and the parameter type OIDs the client specified.</summary>
    public static ParseMessage DecodeParse(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Parse);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string name = reader.ReadCString();
            string query = reader.ReadCString();
            int count = reader.ReadUInt16();
            if (count * 4L > reader.Remaining)
            {
                throw PostgresProtocolException.Violation($"Parse message declares {count} parameter types but has room for {reader.Remaining / 4}");
            }

            ImmutableArray<uint> oids = ImmutableArray<uint>.Empty;
            if (count > 0)
            {
                var array = new uint[count];
                for (int i = 0; i < count; i++)
                {
                    array[i] = reader.ReadUInt32();
                }

                oids = ImmutableCollectionsMarshal.AsImmutableArray(array);
            }

            reader.EnsureEnd("Parse");
            return new ParseMessage(name, query, oids);
        });
    }

    /// <summary>Bind 'B': portal, statement, format codes and parameter values (one copied array per message).</summary>
    public static BindMessage DecodeBind(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Bind);
        byte[] payload = message.Payload.ToArray();
        var reader = new PayloadReader(payload);
        string portal = reader.ReadCString();
        string statement = reader.ReadCString();

        int parameterFormatCount = reader.ReadUInt16();
        int parameterFormatsOffset = reader.Position;
        ReadFormatCodes(ref reader, parameterFormatCount);

        int parameterCount = reader.ReadUInt16();
        if (parameterFormatCount > 1 && parameterFormatCount != parameterCount)
        {
            throw PostgresProtocolException.Violation(
                $"bind message has {parameterFormatCount} parameter formats but {parameterCount} parameters");
        }

        // Every value needs at least its 4-byte length: checking first keeps a tiny message from allocating for 65535.
        if (parameterCount * 4L > reader.Remaining)
        {
            throw PostgresProtocolException.Violation($"Bind message declares {parameterCount} parameters but is too short for them");
        }

        int[] ranges = parameterCount == 0 ? [] : new int[2 * parameterCount];
        for (int i = 0; i < parameterCount; i++)
        {
            int length = reader.ReadInt32();
            ranges[2 * i] = reader.Position;
            ranges[(2 * i) + 1] = length;
            if (length == -1)
            {
                continue;
            }

            if (length < 0)
            {
                throw PostgresProtocolException.Violation($"invalid length {length} for Bind parameter {i + 1}: only -1 (NULL) may be negative");
            }

            reader.ReadBytes(length);
        }

        int resultFormatCount = reader.ReadUInt16();
        int resultFormatsOffset = reader.Position;
        ReadFormatCodes(ref reader, resultFormatCount);
        reader.EnsureEnd("Bind");
        return new BindMessage(portal, statement, payload, parameterFormatsOffset, parameterFormatCount, ranges, resultFormatsOffset, resultFormatCount);
    }

    /// <summary>Describe 'D': a statement ('S') or portal ('P') and its name.</summary>
    public static DescribeMessage DecodeDescribe(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Describe);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            StatementOrPortal target = ReadTarget(ref reader, "DESCRIBE");
            string name = reader.ReadCString();
            reader.EnsureEnd("Describe");
            return new DescribeMessage(target, name);
        });
    }

    /// <summary>Close 'C': a statement ('S') or portal ('P') and its name.</summary>
    public static CloseMessage DecodeClose(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Close);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            StatementOrPortal target = ReadTarget(ref reader, "CLOSE");
            string name = reader.ReadCString();
            reader.EnsureEnd("Close");
            return new CloseMessage(target, name);
        });
    }

    /// <summary>Execute 'E': portal name and row limit.</summary>
    public static ExecuteMessage DecodeExecute(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Execute);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string portal = reader.ReadCString();
            int maxRows = reader.ReadInt32();
            reader.EnsureEnd("Execute");
            return new ExecuteMessage(portal, maxRows);
        });
    }

    /// <summary>CopyFail 'f': the client's reason for aborting the COPY.</summary>
    public static string DecodeCopyFail(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.CopyFail);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string reason = reader.ReadCString();
            reader.EnsureEnd("CopyFail");
            return reason;
        });
    }

    /// <summary>PasswordMessage 'p' (after AuthenticationCleartextPassword or MD5): the password or "md5..." hash.</summary>
    public static string DecodePassword(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Password);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string password = reader.ReadCString();
            reader.EnsureEnd("PasswordMessage");
            return password;
        });
    }

    /// <summary>SASLInitialResponse 'p' (the first 'p' after AuthenticationSASL): mechanism and initial response.</summary>
    public static SaslInitialResponse DecodeSaslInitialResponse(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Password);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string mechanism = reader.ReadCString();
            int length = reader.ReadInt32();
            if (length == -1)
            {
                reader.EnsureEnd("SASLInitialResponse");
                return new SaslInitialResponse(mechanism, ReadOnlyMemory<byte>.Empty, HasData: false);
            }

            if (length < 0)
            {
                throw PostgresProtocolException.Violation($"invalid SASLInitialResponse data length {length}: only -1 (none) may be negative");
            }

            byte[] data = reader.ReadBytes(length).ToArray();
            reader.EnsureEnd("SASLInitialResponse");
            return new SaslInitialResponse(mechanism, data, HasData: true);
        });
    }

    /// <summary>SASLResponse 'p' (after AuthenticationSASLContinue): a copy of the mechanism data, the whole payload.</summary>
    public static ReadOnlyMemory<byte> DecodeSaslResponse(in FrontendMessage message)
    {
        Expect(message, FrontendMessageType.Password);
        return message.Payload.ToArray();
    }

    private static StatementOrPortal ReadTarget(ref PayloadReader reader, string messageName)
    {
        byte target = reader.ReadByte();
        if (target is not ((byte)'S' or (byte)'P'))
        {
            throw PostgresProtocolException.Violation($"invalid {messageName} message subtype {target}");
        }

        return (StatementOrPortal)target;
    }

    private static void ReadFormatCodes(ref PayloadReader reader, int count)
    {
        for (int i = 0; i < count; i++)
        {
            short code = reader.ReadInt16();
            if (code is not (0 or 1))
            {
                throw new PostgresProtocolException(SqlState.InvalidParameterValue, $"unsupported format code: {code}", isFatal: false);
            }
        }
    }

    private static void Expect(in FrontendMessage message, FrontendMessageType type)
    {
        if (message.Type != type)
        {
            throw new ArgumentException($"expected a {type} message, got {message.Type}", nameof(message));
        }
    }
}
