using System.Buffers;
using System.Buffers.Binary;
using DataTier.Postgres.Protocol;
using static DataTier.Postgres.Tests.SegmentedSequence;

namespace DataTier.Postgres.Tests.Protocol;

public sealed class FrontendMessageReaderTests
{
    private readonly FrontendMessageReader _reader = new();

    public static TheoryData<string> TypedNames() => new(FrontendSamples.Typed.Select(s => s.Name));

    public static TheoryData<string> StartupNames() => new(FrontendSamples.Startup.Select(s => s.Name));

    [Theory]
    [MemberData(nameof(TypedNames))]
    public void Every_prefix_of_a_message_needs_more_data_and_leaves_the_buffer_alone(string name)
    {
        byte[] bytes = Typed(name);
        for (int length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(_reader.TryReadMessage(ref buffer, out _));
            Assert.Equal(length, buffer.Length);
        }
    }

    [Theory]
    [MemberData(nameof(TypedNames))]
    public void A_message_split_at_any_offset_decodes_like_the_contiguous_one(string name)
    {
        byte[] bytes = Typed(name);
        string expected = ReadOne(new ReadOnlySequence<byte>(bytes));
        for (int offset = 1; offset < bytes.Length; offset++)
        {
            Assert.Equal(expected, ReadOne(Split(bytes, offset)));
        }

        Assert.Equal(expected, ReadOne(OneBytePerSegment(bytes)));
        if (bytes.Length > 3)
        {
            Assert.Equal(expected, ReadOne(Split(bytes, 1, bytes.Length / 2, bytes.Length - 1)));
        }
    }

    [Theory]
    [MemberData(nameof(StartupNames))]
    public void A_startup_packet_split_at_any_offset_reads_like_the_contiguous_one(string name)
    {
        byte[] bytes = FrontendSamples.Startup.Single(s => s.Name == name).Bytes;
        string expected = ReadOneStartup(new ReadOnlySequence<byte>(bytes));
        for (int offset = 1; offset < bytes.Length; offset++)
        {
            Assert.Equal(expected, ReadOneStartup(Split(bytes, offset)));
        }

        for (int length = 0; length < bytes.Length; length++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, length);
            Assert.False(_reader.TryReadStartupPacket(ref partial, out _));
            Assert.Equal(length, partial.Length);
        }
    }

    [Fact]
    public void Messages_back_to_back_are_read_one_at_a_time_and_the_rest_is_kept()
    {
        byte[] bytes = [.. Typed("Parse"), .. Typed("Bind"), .. Typed("Execute"), .. Typed("Sync"), .. Typed("Query")[..3]];
        var buffer = new ReadOnlySequence<byte>(bytes);
        var types = new List<FrontendMessageType>();
        while (_reader.TryReadMessage(ref buffer, out FrontendMessage message))
        {
            types.Add(message.Type);
        }

        Assert.Equal([FrontendMessageType.Parse, FrontendMessageType.Bind, FrontendMessageType.Execute, FrontendMessageType.Sync], types);
        Assert.Equal(3, buffer.Length);
    }

    [Fact]
    public void StartupMessage_exposes_version_and_parameters_in_order()
    {
        var buffer = new ReadOnlySequence<byte>(FrontendSamples.Startup[0].Bytes);
        Assert.True(_reader.TryReadStartupPacket(ref buffer, out StartupPacket? packet));
        var startup = Assert.IsType<StartupMessage>(packet);
        Assert.Equal(196608, startup.Code);
        Assert.Equal(ProtocolVersion.V3_0, startup.Version);
        Assert.Equal("app", startup.User);
        Assert.Equal("tasks", startup.Database);
        Assert.Equal("psql ✓", startup.GetParameter("application_name"));
        Assert.Equal(["user", "database", "application_name"], startup.Parameters.Select(p => p.Key));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void StartupMessage_database_defaults_to_the_user_and_a_repeated_parameter_takes_the_last_value()
    {
        byte[] bytes = Encode(o => FrontendMessageWriter.WriteStartupMessage(o, new ProtocolVersion(3, 2), [new("user", "a"), new("user", "b")]));
        var startup = Assert.IsType<StartupMessage>(ReadStartup(bytes));
        Assert.Equal(new ProtocolVersion(3, 2), startup.Version);
        Assert.Equal("b", startup.User);
        Assert.Equal("b", startup.Database);
        Assert.Null(startup.GetParameter("options"));
    }

    [Fact]
    public void Encryption_and_cancel_requests_are_recognised_by_their_codes()
    {
        Assert.Same(SslRequest.Instance, ReadStartup([0, 0, 0, 8, 4, 210, 22, 47]));
        Assert.Same(GssEncryptionRequest.Instance, ReadStartup([0, 0, 0, 8, 4, 210, 22, 48]));
        var cancel = Assert.IsType<CancelRequest>(ReadStartup([0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 4, 210, 255, 255, 255, 254]));
        Assert.Equal(80877102, cancel.Code);
        Assert.Equal(1234, cancel.ProcessId);
        Assert.Equal(-2, cancel.SecretKey);
    }

    [Fact]
    public void Every_message_type_round_trips_through_writer_reader_and_decoder()
    {
        Assert.Equal("Q:select 1", ReadOne(Typed("Query")));
        Assert.Equal("Q:select 'żółw ✓'", ReadOne(Typed("Query non-ASCII")));
        Assert.Equal("Q:", ReadOne(Typed("Query empty")));
        Assert.Equal("P:s1|select $1::int, $2|23,0", ReadOne(Typed("Parse")));
        Assert.Equal("P:|select 2|", ReadOne(Typed("Parse unnamed")));
        Assert.Equal("B:p1|s1|1|2|Binary=0000002A|Binary=NULL|Binary=", ReadOne(Typed("Bind")));
        Assert.Equal("B:|s2|2|0|Text=616263|Binary=0000002A", ReadOne(Typed("Bind per-parameter formats")));
        Assert.Equal("B:||0|1", ReadOne(Typed("Bind no parameters")));
        Assert.Equal("D:DescribeMessage { Target = Statement, Name = s1 }", ReadOne(Typed("Describe statement")));
        Assert.Equal("D:DescribeMessage { Target = Portal, Name =  }", ReadOne(Typed("Describe portal")));
        Assert.Equal("E:ExecuteMessage { PortalName = p1, MaxRows = 100, IsUnlimited = False }", ReadOne(Typed("Execute")));
        Assert.Equal("C:CloseMessage { Target = Statement, Name = s1 }", ReadOne(Typed("Close statement")));
        Assert.Equal("C:CloseMessage { Target = Portal, Name = p1 }", ReadOne(Typed("Close portal")));
        Assert.Equal("S:", ReadOne(Typed("Sync")));
        Assert.Equal("H:", ReadOne(Typed("Flush")));
        Assert.Equal("X:", ReadOne(Typed("Terminate")));
        Assert.Equal("d:31096F6E650A", ReadOne(Typed("CopyData")));
        Assert.Equal("c:", ReadOne(Typed("CopyDone")));
        Assert.Equal("f:aborted by user", ReadOne(Typed("CopyFail")));
        Assert.Equal("F:000004000000", ReadOne(Typed("FunctionCall")));
    }

    [Fact]
    public void Password_messages_decode_as_password_or_SASL_as_the_host_asks()
    {
        FrontendMessage password = ReadMessage(Typed("Password"));
        Assert.Equal(FrontendMessageType.Password, password.Type);
        Assert.Equal("dt_app_secret", FrontendMessageDecoder.DecodePassword(password));

        SaslInitialResponse initial = FrontendMessageDecoder.DecodeSaslInitialResponse(ReadMessage(Typed("SASLInitialResponse")));
        Assert.Equal("SCRAM-SHA-256", initial.Mechanism);
        Assert.True(initial.HasData);
        Assert.Equal("n,,n=,r=abc"u8.ToArray(), initial.Data.ToArray());

        SaslInitialResponse none = FrontendMessageDecoder.DecodeSaslInitialResponse(ReadMessage(Typed("SASLInitialResponse no data")));
        Assert.False(none.HasData);
        Assert.True(none.Data.IsEmpty);

        byte[] response = Encode(o => FrontendMessageWriter.WriteSaslResponse(o, "c=biws,r=x,p=y"u8));
        Assert.Equal("c=biws,r=x,p=y"u8.ToArray(), FrontendMessageDecoder.DecodeSaslResponse(ReadMessage(response)).ToArray());
    }

    [Fact]
    public void Bind_values_stay_valid_after_the_source_buffer_is_overwritten()
    {
        byte[] bytes = (byte[])Typed("Bind").Clone();
        BindMessage bind = FrontendMessageDecoder.DecodeBind(ReadMessage(bytes));
        Array.Clear(bytes);
        Assert.Equal(FrontendSamples.Int42, bind.GetValue(0).ToArray());
        Assert.True(bind.IsNull(1));
        Assert.False(bind.IsNull(2));
        Assert.Equal(FormatCode.Text, bind.GetResultFormat(0));
        Assert.Equal(FormatCode.Binary, bind.GetResultFormat(1));
        bind.ValidateResultFormatCount(2);
        Assert.Equal(SqlState.ProtocolViolation, Assert.Throws<PostgresProtocolException>(() => bind.ValidateResultFormatCount(3)).SqlState);
    }

    [Fact]
    public void Bind_payload_relays_verbatim()
    {
        byte[] bytes = Typed("Bind");
        BindMessage bind = FrontendMessageDecoder.DecodeBind(ReadMessage(bytes));
        Assert.Equal(bytes, Encode(o => FrontendMessageWriter.WriteMessage(o, FrontendMessageType.Bind, bind.Payload.Span)));

        FrontendMessage raw = ReadMessage(Split(bytes, 7));
        Assert.Equal(bytes, Encode(o => FrontendMessageWriter.WriteMessage(o, raw.Type, raw.Payload)));
        Assert.Equal(bytes.Length - 1, raw.Length);
    }

    [Fact]
    public void A_decoder_given_another_message_type_is_a_programming_error()
    {
        FrontendMessage sync = ReadMessage(Typed("Sync"));
        Assert.Throws<ArgumentException>(() => FrontendMessageDecoder.DecodeQuery(sync));
        Assert.Throws<ArgumentException>(() => FrontendMessageDecoder.DecodeBind(sync));
    }

    // Framing errors: fatal, the connection closes.

    [Theory]
    [InlineData(new byte[] { (byte)'Q', 0, 0, 0, 3 }, "08P01")]
    [InlineData(new byte[] { (byte)'Q', 0, 0, 0, 0 }, "08P01")]
    [InlineData(new byte[] { (byte)'Q', 255, 255, 255, 255 }, "08P01")]
    [InlineData(new byte[] { (byte)'Q', 0, 16, 0, 1 }, "54000")]
    [InlineData(new byte[] { (byte)'Q', 127, 255, 255, 255 }, "54000")]
    [InlineData(new byte[] { (byte)'D', 0, 0, 39, 17 }, "54000")]
    [InlineData(new byte[] { (byte)'p', 0, 1, 0, 0 }, "54000")]
    [InlineData(new byte[] { (byte)'S', 0, 0, 0, 5 }, "08P01")]
    [InlineData(new byte[] { (byte)'X', 0, 0, 0, 8 }, "08P01")]
    [InlineData(new byte[] { (byte)'Z' }, "08P01")]
    [InlineData(new byte[] { 0 }, "08P01")]
    [InlineData(new byte[] { 0x9b }, "08P01")]
    [InlineData(new byte[] { (byte)'q', 0, 0, 0, 4 }, "08P01")]
    public void Broken_framing_is_refused_from_the_header_alone_without_waiting_for_the_body(byte[] header, string sqlState)
    {
        var buffer = new ReadOnlySequence<byte>(header);
        var error = Assert.Throws<PostgresProtocolException>(() => _reader.TryReadMessage(ref buffer, out _));
        Assert.Equal(sqlState, error.SqlState);
        Assert.True(error.IsFatal);
        Assert.Equal("FATAL", error.ToErrorFields().Severity);

        // The session sends it as an ErrorResponse: the message must not carry the client's byte as a NUL character.
        BackendMessageWriter.WriteErrorResponse(new ArrayBufferWriter<byte>(), error.ToErrorFields());
    }

    [Fact]
    public void The_maximum_message_length_is_configurable_and_counts_the_length_field()
    {
        var reader = new FrontendMessageReader(maxMessageLength: 13);
        var fits = new ReadOnlySequence<byte>(Encode(o => FrontendMessageWriter.WriteQuery(o, "select 1")));
        Assert.True(reader.TryReadMessage(ref fits, out _));

        var tooLong = new ReadOnlySequence<byte>(Encode(o => FrontendMessageWriter.WriteQuery(o, "select 10")));
        var error = Assert.Throws<PostgresProtocolException>(() => reader.TryReadMessage(ref tooLong, out _));
        Assert.Equal(SqlState.ProgramLimitExceeded, error.SqlState);
        Assert.Contains("14 bytes, over the limit of 13", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 7, 0, 3, 0, 0 }, "08P01")]
    [InlineData(new byte[] { 255, 255, 255, 255 }, "08P01")]
    [InlineData(new byte[] { 0, 0, 39, 17 }, "54000")]
    [InlineData(new byte[] { 0, 0, 0, 9, 0, 2, 0, 0, 0 }, "0A000")]
    [InlineData(new byte[] { 0, 0, 0, 8, 0, 3, 0, 0 }, "08P01")]
    [InlineData(new byte[] { 0, 0, 0, 9, 0, 3, 0, 0, 1 }, "08P01")]
    [InlineData(new byte[] { 0, 0, 0, 14, 0, 3, 0, 0, (byte)'u', 0, (byte)'a', 0, 0, 0 }, "08P01")]
    [InlineData(new byte[] { 0, 0, 0, 13, 0, 3, 0, 0, (byte)'u', 0, (byte)'a', 0, 1 }, "08P01")]
    [InlineData(new byte[] { 0, 0, 0, 11, 0, 3, 0, 0, (byte)'u', 0, (byte)'a' }, "08P01")]
    [InlineData(new byte[] { 0, 0, 0, 13, 0, 3, 0, 0, (byte)'u', 0, 0xC3, 0, 0 }, "22021")]
    [InlineData(new byte[] { 0, 0, 0, 12, 4, 210, 22, 47, 0, 0, 0, 0 }, "08P01")]
    [InlineData(new byte[] { 0, 0, 0, 12, 4, 210, 22, 46, 0, 0, 0, 1 }, "08P01")]
    public void Malformed_startup_packets_are_fatal_protocol_errors(byte[] packet, string sqlState)
    {
        var buffer = new ReadOnlySequence<byte>(packet);
        var error = Assert.Throws<PostgresProtocolException>(() => _reader.TryReadStartupPacket(ref buffer, out _));
        Assert.Equal(sqlState, error.SqlState);
        Assert.True(error.IsFatal);
    }

    // Content errors: the frame is intact, the session reports an ERROR and goes on.

    public static TheoryData<string, byte, byte[], string> MalformedContents() => new()
    {
        { "Query without NUL", (byte)'Q', "select 1"u8.ToArray(), SqlState.ProtocolViolation },
        { "Query with trailing bytes", (byte)'Q', [.. "select 1"u8, 0, 1], SqlState.ProtocolViolation },
        { "Query with invalid UTF-8", (byte)'Q', [.. "select '"u8, 0xC3, 0x28, (byte)'\'', 0], SqlState.CharacterNotInRepertoire },
        { "Query with an overlong UTF-8 NUL", (byte)'Q', [0xC0, 0x80, 0], SqlState.CharacterNotInRepertoire },
        { "Parse with too many parameter types", (byte)'P', [0, .. "select 1"u8, 0, 0, 3, 0, 0, 0, 23], SqlState.ProtocolViolation },
        { "Parse with a truncated type", (byte)'P', [0, (byte)'q', 0, 0, 1, 0, 0], SqlState.ProtocolViolation },
        { "Parse without a query", (byte)'P', [(byte)'s', 0], SqlState.ProtocolViolation },
        { "Bind with a format code of 2", (byte)'B', [0, 0, 0, 1, 0, 2, 0, 0, 0, 0], SqlState.InvalidParameterValue },
        { "Bind with a negative format code", (byte)'B', [0, 0, 0, 0, 0, 0, 0, 1, 255, 255], SqlState.InvalidParameterValue },
        { "Bind with format count neither 0, 1 nor the parameter count", (byte)'B', [0, 0, 0, 2, 0, 0, 0, 0, 0, 3, .. Null, .. Null, .. Null, 0, 0], SqlState.ProtocolViolation },
        { "Bind with more parameters than bytes", (byte)'B', [0, 0, 0, 0, 0, 3, .. Null, 0, 0], SqlState.ProtocolViolation },
        { "Bind with 65535 parameters in a short message", (byte)'B', [0, 0, 0, 0, 255, 255, 0, 0], SqlState.ProtocolViolation },
        { "Bind with a value length of -2", (byte)'B', [0, 0, 0, 0, 0, 1, 255, 255, 255, 254, 0, 0], SqlState.ProtocolViolation },
        { "Bind with a value running past the end", (byte)'B', [0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 0, 0], SqlState.ProtocolViolation },
        { "Bind with a value length of int.MaxValue", (byte)'B', [0, 0, 0, 0, 0, 1, 127, 255, 255, 255, 0, 0], SqlState.ProtocolViolation },
        { "Bind with result formats past the end", (byte)'B', [0, 0, 0, 0, 0, 0, 0, 2, 0, 1], SqlState.ProtocolViolation },
        { "Bind without the result format count", (byte)'B', [0, 0, 0, 0, 0, 0], SqlState.ProtocolViolation },
        { "Bind with trailing bytes", (byte)'B', [0, 0, 0, 0, 0, 0, 0, 0, 7], SqlState.ProtocolViolation },
        { "Bind with a portal name without NUL", (byte)'B', "portal"u8.ToArray(), SqlState.ProtocolViolation },
        { "Bind with an invalid UTF-8 statement name", (byte)'B', [0, 0xFF, 0, 0, 0, 0, 0, 0, 0], SqlState.CharacterNotInRepertoire },
        { "Describe with subtype X", (byte)'D', [(byte)'X', 0], SqlState.ProtocolViolation },
        { "Describe without a name", (byte)'D', [(byte)'S'], SqlState.ProtocolViolation },
        { "Describe empty", (byte)'D', [], SqlState.ProtocolViolation },
        { "Close with subtype s", (byte)'C', [(byte)'s', 0], SqlState.ProtocolViolation },
        { "Execute without max rows", (byte)'E', [0, 0, 0], SqlState.ProtocolViolation },
        { "Execute with trailing bytes", (byte)'E', [0, 0, 0, 0, 1, 9], SqlState.ProtocolViolation },
        { "CopyFail without NUL", (byte)'f', "oops"u8.ToArray(), SqlState.ProtocolViolation },
    };

    private static ReadOnlySpan<byte> Null => [255, 255, 255, 255];

    [Theory]
    [MemberData(nameof(MalformedContents))]
    public void Malformed_contents_are_non_fatal_protocol_errors(string name, byte type, byte[] payload, string sqlState)
    {
        FrontendMessage message = ReadMessage(Encode(o => FrontendMessageWriter.WriteMessage(o, (FrontendMessageType)type, payload)));
        var error = Assert.Throws<PostgresProtocolException>(() => FrontendSamples.Describe(message));
        Assert.Equal(sqlState, error.SqlState);
        Assert.False(error.IsFatal, name);
        Assert.Equal("ERROR", error.ToErrorFields().Severity);
    }

    [Theory]
    [InlineData(new byte[] { 0 })]
    [InlineData(new byte[] { (byte)'S', (byte)'C', (byte)'R', (byte)'A', (byte)'M', 0, 0, 0 })]
    [InlineData(new byte[] { (byte)'M', 0, 255, 255, 255, 254 })]
    [InlineData(new byte[] { (byte)'M', 0, 0, 0, 0, 5, 1, 2 })]
    [InlineData(new byte[] { (byte)'M', 0, 0, 0, 0, 1, 1, 2 })]
    [InlineData(new byte[] { (byte)'M', 0, 255, 255, 255, 255, 0 })]
    [InlineData(new byte[] { (byte)'M' })]
    public void Malformed_SASLInitialResponse_is_a_non_fatal_protocol_error(byte[] payload)
    {
        FrontendMessage message = ReadMessage(Encode(o => FrontendMessageWriter.WriteMessage(o, FrontendMessageType.Password, payload)));
        var error = Assert.Throws<PostgresProtocolException>(() => FrontendMessageDecoder.DecodeSaslInitialResponse(message));
        Assert.Equal(SqlState.ProtocolViolation, error.SqlState);
        Assert.False(error.IsFatal);
    }

    [Fact]
    public void Bind_accepts_65535_parameters_because_PostgreSQL_reads_counts_as_unsigned()
    {
        var values = new ReadOnlyMemory<byte>?[ushort.MaxValue];
        byte[] bytes = Encode(o => FrontendMessageWriter.WriteBind(o, string.Empty, string.Empty, [], values, []));
        BindMessage bind = FrontendMessageDecoder.DecodeBind(ReadMessage(bytes));
        Assert.Equal(ushort.MaxValue, bind.ParameterCount);
        Assert.True(bind.IsNull(ushort.MaxValue - 1));
        Assert.Equal(FormatCode.Text, bind.GetParameterFormat(ushort.MaxValue - 1));
    }

    [Fact]
    public void Length_field_is_big_endian_and_counts_itself_but_not_the_type_byte()
    {
        byte[] bytes = Typed("Query");
        Assert.Equal((byte)'Q', bytes[0]);
        Assert.Equal(bytes.Length - 1, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(1)));
        Assert.Equal("select 1"u8.ToArray(), bytes[5..^1]);
        Assert.Equal(0, bytes[^1]);
    }

    private static byte[] Typed(string name) => FrontendSamples.Typed.Single(s => s.Name == name).Bytes;

    private StartupPacket ReadStartup(byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_reader.TryReadStartupPacket(ref buffer, out StartupPacket? packet));
        Assert.True(buffer.IsEmpty);
        return packet;
    }

    private string ReadOneStartup(ReadOnlySequence<byte> buffer)
    {
        Assert.True(_reader.TryReadStartupPacket(ref buffer, out StartupPacket? packet));
        Assert.True(buffer.IsEmpty);
        return FrontendSamples.Describe(packet);
    }

    private FrontendMessage ReadMessage(byte[] bytes) => ReadMessage(new ReadOnlySequence<byte>(bytes));

    private FrontendMessage ReadMessage(ReadOnlySequence<byte> buffer)
    {
        Assert.True(_reader.TryReadMessage(ref buffer, out FrontendMessage message));
        Assert.True(buffer.IsEmpty);
        return message;
    }

    private string ReadOne(byte[] bytes) => ReadOne(new ReadOnlySequence<byte>(bytes));

    private string ReadOne(ReadOnlySequence<byte> buffer) => FrontendSamples.Describe(ReadMessage(buffer));
}
