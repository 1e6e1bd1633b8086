using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace DataTier.Postgres.Protocol;

/// <summary>Decodes the payload of a framed <see cref="BackendMessage"/> into an owned value.</summary>
/// <remarks>
/// Results own their data. Malformed contents throw a non-fatal <see cref="PostgresProtocolException"/> (the frame was
/// intact); passing a message of another type is a programming error (<see cref="ArgumentException"/>).
/// </remarks>
public static class BackendMessageDecoder
{
    /// <summary>ErrorResponse 'E' or NoticeResponse 'N': the fields, unknown field codes skipped.</summary>
    public static PostgresErrorFields DecodeErrorFields(in BackendMessage message)
    {
        if (message.Type is not (BackendMessageType.ErrorResponse or BackendMessageType.NoticeResponse))
        {
            throw new ArgumentException($"expected an ErrorResponse or NoticeResponse, got {message.Type}", nameof(message));
        }

        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            // One slot per known field code, so the record is built once rather than copied per field.
            var values = new string?[PostgresErrorFields.FieldCodes.Length];
            while (true)
            {
                byte code = reader.ReadByte();
                if (code == 0)
                {
                    reader.EnsureEnd("ErrorResponse");
                    return PostgresErrorFields.FromValues(values);
                }

                string value = reader.ReadCString();
                int index = PostgresErrorFields.FieldCodes.IndexOf(code);
                if (index >= 0)
                {
                    values[index] = value;
                }
            }
        });
    }

    /// <summary>ReadyForQuery 'Z': the transaction status.</summary>
    public static TransactionStatus DecodeReadyForQuery(in BackendMessage message)
    {
        Expect(message, BackendMessageType.ReadyForQuery);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            byte status = reader.ReadByte();
            reader.EnsureEnd("ReadyForQuery");
            if (status is not ((byte)'I' or (byte)'T' or (byte)'E'))
            {
                throw PostgresProtocolException.Violation($"invalid transaction status {status} in ReadyForQuery");
            }

            return (TransactionStatus)status;
        });
    }

    /// <summary>ParameterStatus 'S': name and value.</summary>
    public static ParameterStatus DecodeParameterStatus(in BackendMessage message)
    {
        Expect(message, BackendMessageType.ParameterStatus);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string name = reader.ReadCString();
            string value = reader.ReadCString();
            reader.EnsureEnd("ParameterStatus");
            return new ParameterStatus(name, value);
        });
    }

    /// <summary>BackendKeyData 'K': process id and secret key (protocol 3.0's 4-byte key).</summary>
    public static BackendKeyData DecodeBackendKeyData(in BackendMessage message)
    {
        Expect(message, BackendMessageType.BackendKeyData);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            int processId = reader.ReadInt32();
            int secretKey = reader.ReadInt32();
            reader.EnsureEnd("BackendKeyData");
            return new BackendKeyData(processId, secretKey);
        });
    }

    /// <summary>CommandComplete 'C': the command tag.</summary>
    public static string DecodeCommandComplete(in BackendMessage message)
    {
        Expect(message, BackendMessageType.CommandComplete);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            string tag = reader.ReadCString();
            reader.EnsureEnd("CommandComplete");
            return tag;
        });
    }

    /// <summary>RowDescription 'T': the columns.</summary>
    public static ImmutableArray<FieldDescription> DecodeRowDescription(in BackendMessage message)
    {
        Expect(message, BackendMessageType.RowDescription);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            int count = reader.ReadUInt16();

            // A field takes at least 19 bytes (an empty name's NUL and 18 bytes of numbers).
            if (count * 19L > reader.Remaining)
            {
                throw PostgresProtocolException.Violation($"RowDescription declares {count} fields but is too short for them");
            }

            var fields = new FieldDescription[count];
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadCString();
                uint tableOid = reader.ReadUInt32();
                short attribute = reader.ReadInt16();
                uint typeOid = reader.ReadUInt32();
                short typeSize = reader.ReadInt16();
                int typeModifier = reader.ReadInt32();
                short format = reader.ReadInt16();
                if (format is not (0 or 1))
                {
                    throw PostgresProtocolException.Violation($"invalid format code {format} for RowDescription field {i + 1}");
                }

                fields[i] = new FieldDescription(name, tableOid, attribute, typeOid, typeSize, typeModifier, (FormatCode)format);
            }

            reader.EnsureEnd("RowDescription");
            return ImmutableCollectionsMarshal.AsImmutableArray(fields);
        });
    }

    /// <summary>ParameterDescription 't': the type OID of each parameter.</summary>
    public static ImmutableArray<uint> DecodeParameterDescription(in BackendMessage message)
    {
        Expect(message, BackendMessageType.ParameterDescription);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            int count = reader.ReadUInt16();
            if (count * 4L != reader.Remaining)
            {
                throw PostgresProtocolException.Violation($"ParameterDescription declares {count} parameters but carries {reader.Remaining} bytes");
            }

            var oids = new uint[count];
            for (int i = 0; i < count; i++)
            {
                oids[i] = reader.ReadUInt32();
            }

            return ImmutableCollectionsMarshal.AsImmutableArray(oids);
        });
    }

    /// <summary>Authentication 'R': the request type and its data (MD5 salt, SASL mechanisms or SCRAM message).</summary>
    public static AuthenticationRequest DecodeAuthentication(in BackendMessage message)
    {
        Expect(message, BackendMessageType.Authentication);
        return ContiguousPayload.Decode(message.Payload, static payload =>
        {
            var reader = new PayloadReader(payload);
            var type = (AuthenticationRequestType)reader.ReadInt32();
            switch (type)
            {
                case AuthenticationRequestType.Ok:
                case AuthenticationRequestType.CleartextPassword:
                case AuthenticationRequestType.KerberosV5:
                case AuthenticationRequestType.Gss:
                case AuthenticationRequestType.Sspi:
                    reader.EnsureEnd("Authentication");
                    return new AuthenticationRequest(type, ReadOnlyMemory<byte>.Empty, []);
                case AuthenticationRequestType.Md5Password:
                    byte[] salt = reader.ReadBytes(4).ToArray();
                    reader.EnsureEnd("AuthenticationMD5Password");
                    return new AuthenticationRequest(type, salt, []);
                case AuthenticationRequestType.Sasl:
                    return new AuthenticationRequest(type, ReadOnlyMemory<byte>.Empty, ReadMechanisms(ref reader));
                case AuthenticationRequestType.SaslContinue:
                case AuthenticationRequestType.SaslFinal:
                case AuthenticationRequestType.GssContinue:
                    return new AuthenticationRequest(type, reader.ReadRemaining().ToArray(), []);
                default:
                    throw PostgresProtocolException.Violation($"unknown authentication request code {(int)type}");
            }
        });
    }

    private static ImmutableArray<string> ReadMechanisms(ref PayloadReader reader)
    {
        var mechanisms = ImmutableArray.CreateBuilder<string>();
        while (true)
        {
            ReadOnlySpan<byte> name = reader.ReadCStringBytes();
            if (name.IsEmpty)
            {
                reader.EnsureEnd("AuthenticationSASL");
                return mechanisms.DrainToImmutable();
            }

            mechanisms.Add(PayloadReader.DecodeUtf8(name));
        }
    }

    private static void Expect(in BackendMessage message, BackendMessageType type)
    {
        if (message.Type != type)
        {
            throw new ArgumentException($"expected a {type} message, got {message.Type}", nameof(message));
        }
    }
}
