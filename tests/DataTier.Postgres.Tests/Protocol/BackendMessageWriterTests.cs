using System.Buffers;
using DataTier.Postgres.Protocol;
using static DataTier.Postgres.Tests.SegmentedSequence;

namespace DataTier.Postgres.Tests.Protocol;

public sealed class BackendMessageWriterTests
{
    private readonly BackendMessageReader _reader = new();

    [Fact]
    public void Fixed_messages_have_the_exact_bytes_PostgreSQL_sends()
    {
        Assert.Equal([(byte)'R', 0, 0, 0, 8, 0, 0, 0, 0], Encode(BackendMessageWriter.WriteAuthenticationOk));
        Assert.Equal([(byte)'R', 0, 0, 0, 8, 0, 0, 0, 3], Encode(BackendMessageWriter.WriteAuthenticationCleartextPassword));
        Assert.Equal([(byte)'Z', 0, 0, 0, 5, (byte)'I'], Encode(o => BackendMessageWriter.WriteReadyForQuery(o, TransactionStatus.Idle)));
        Assert.Equal([(byte)'K', 0, 0, 0, 12, 0, 0, 4, 210, 255, 255, 255, 255], Encode(o => BackendMessageWriter.WriteBackendKeyData(o, 1234, -1)));
        Assert.Equal([(byte)'1', 0, 0, 0, 4], Encode(BackendMessageWriter.WriteParseComplete));
        Assert.Equal([(byte)'2', 0, 0, 0, 4], Encode(BackendMessageWriter.WriteBindComplete));
        Assert.Equal([(byte)'3', 0, 0, 0, 4], Encode(BackendMessageWriter.WriteCloseComplete));
        Assert.Equal([(byte)'n', 0, 0, 0, 4], Encode(BackendMessageWriter.WriteNoData));
        Assert.Equal([(byte)'s', 0, 0, 0, 4], Encode(BackendMessageWriter.WritePortalSuspended));
        Assert.Equal([(byte)'I', 0, 0, 0, 4], Encode(BackendMessageWriter.WriteEmptyQueryResponse));
        Assert.Equal([(byte)'N'], Encode(BackendMessageWriter.WriteEncryptionRefused));
        Assert.Equal([(byte)'S'], Encode(BackendMessageWriter.WriteSslAccepted));
        Assert.Equal([(byte)'C', 0, 0, 0, 13, .. "SELECT 1"u8, 0], Encode(o => BackendMessageWriter.WriteCommandComplete(o, "SELECT 1")));
        Assert.Equal(
            [(byte)'R', 0, 0, 0, 23, 0, 0, 0, 10, .. "SCRAM-SHA-256"u8, 0, 0],
            Encode(o => BackendMessageWriter.WriteAuthenticationSasl(o, [ScramMechanism])));
        Assert.Equal(
            [(byte)'D', 0, 0, 0, 19, 0, 3, 0, 0, 0, 1, (byte)'7', 255, 255, 255, 255, 0, 0, 0, 0],
            Encode(o => BackendMessageWriter.WriteDataRow(o, ["7"u8.ToArray(), null, ReadOnlyMemory<byte>.Empty])));
        Assert.Equal(
            [(byte)'t', 0, 0, 0, 14, 0, 2, 0, 0, 0, 23, 0, 0, 0, 25],
            Encode(o => BackendMessageWriter.WriteParameterDescription(o, [23, 25])));
    }

    [Fact]
    public void RowDescription_round_trips_every_field()
    {
        FieldDescription[] fields =
        [
            new("task_id", 16384, 1, 20, 8, -1, FormatCode.Binary),
            new("títle", 16384, 2, 1043, -1, 104, FormatCode.Text),
            new(string.Empty, 0, 0, 25, -1, -1, FormatCode.Text),
            new("big oid", uint.MaxValue, short.MinValue, 4_000_000_000, -2, int.MaxValue, FormatCode.Binary),
        ];
        BackendMessage message = ReadOne(Encode(o => BackendMessageWriter.WriteRowDescription(o, fields)));
        Assert.Equal(BackendMessageType.RowDescription, message.Type);
        Assert.Equal(fields, BackendMessageDecoder.DecodeRowDescription(message).ToArray());
    }

    [Fact]
    public void ErrorResponse_writes_every_field_in_order_and_round_trips()
    {
        PostgresErrorFields fields = new()
        {
            Severity = "ERREUR",
            InvariantSeverity = "ERROR",
            Code = "23505",
            Message = "duplicate key value violates unique constraint \"tasks_pkey\"",
            Detail = "Key (task_id)=(1) already exists.",
            Hint = "h",
            Position = "42",
            InternalPosition = "7",
            InternalQuery = "select 1",
            Where = "PL/pgSQL function f() line 3",
            SchemaName = "public",
            TableName = "tasks",
            ColumnName = "task_id",
            DataTypeName = "bigint",
            ConstraintName = "tasks_pkey",
            File = "nbtinsert.c",
            Line = "666",
            Routine = "_bt_check_unique",
        };
        byte[] bytes = Encode(o => BackendMessageWriter.WriteErrorResponse(o, fields));
        BackendMessage message = ReadOne(bytes);
        Assert.Equal(BackendMessageType.ErrorResponse, message.Type);
        Assert.Equal(fields, BackendMessageDecoder.DecodeErrorFields(message));

        var codes = new List<char>();
        for (int i = 5; bytes[i] != 0; i = Array.IndexOf(bytes, (byte)0, i) + 1)
        {
            codes.Add((char)bytes[i]);
        }

        Assert.Equal("SVCMDHPpqWstcdnFLR", new string([.. codes]));
        Assert.Equal(0, bytes[^1]);
        Assert.Equal(0, bytes[^2]);
    }

    [Fact]
    public void NoticeResponse_skips_absent_fields()
    {
        PostgresErrorFields notice = PostgresErrorFields.Notice("00000", "relation \"t\" already exists, skipping");
        byte[] bytes = Encode(o => BackendMessageWriter.WriteNoticeResponse(o, notice));
        Assert.Equal((byte)'N', bytes[0]);
        Assert.Equal([(byte)'S', .. "NOTICE"u8, 0, (byte)'V', .. "NOTICE"u8, 0, (byte)'C', .. "00000"u8, 0, (byte)'M'], bytes[5..29]);
        Assert.Equal(notice, BackendMessageDecoder.DecodeErrorFields(ReadOne(bytes)));
    }

    [Fact]
    public void Authentication_requests_round_trip()
    {
        AuthenticationRequest ok = DecodeAuthentication(BackendMessageWriter.WriteAuthenticationOk);
        Assert.Equal(AuthenticationRequestType.Ok, ok.Type);

        AuthenticationRequest cleartext = DecodeAuthentication(BackendMessageWriter.WriteAuthenticationCleartextPassword);
        Assert.Equal(AuthenticationRequestType.CleartextPassword, cleartext.Type);

        AuthenticationRequest md5 = DecodeAuthentication(o => BackendMessageWriter.WriteAuthenticationMd5Password(o, [1, 2, 3, 4]));
        Assert.Equal(AuthenticationRequestType.Md5Password, md5.Type);
        Assert.Equal([1, 2, 3, 4], md5.Data.ToArray());

        AuthenticationRequest sasl = DecodeAuthentication(o => BackendMessageWriter.WriteAuthenticationSasl(o, ["SCRAM-SHA-256-PLUS", ScramMechanism]));
        Assert.Equal(AuthenticationRequestType.Sasl, sasl.Type);
        Assert.Equal(["SCRAM-SHA-256-PLUS", ScramMechanism], sasl.Mechanisms.ToArray());

        AuthenticationRequest saslContinue = DecodeAuthentication(o => BackendMessageWriter.WriteAuthenticationSaslContinue(o, "r=abc,s=c2FsdA==,i=4096"u8));
        Assert.Equal(AuthenticationRequestType.SaslContinue, saslContinue.Type);
        Assert.Equal("r=abc,s=c2FsdA==,i=4096"u8.ToArray(), saslContinue.Data.ToArray());

        AuthenticationRequest saslFinal = DecodeAuthentication(o => BackendMessageWriter.WriteAuthenticationSaslFinal(o, "v=xyz"u8));
        Assert.Equal(AuthenticationRequestType.SaslFinal, saslFinal.Type);
        Assert.Equal("v=xyz"u8.ToArray(), saslFinal.Data.ToArray());
    }

    [Fact]
    public void Status_key_data_tag_and_ready_for_query_round_trip()
    {
        Assert.Equal(new ParameterStatus("server_version", "15.8"),
            BackendMessageDecoder.DecodeParameterStatus(ReadOne(Encode(o => BackendMessageWriter.WriteParameterStatus(o, "server_version", "15.8")))));
        Assert.Equal(new BackendKeyData(42, -7),
            BackendMessageDecoder.DecodeBackendKeyData(ReadOne(Encode(o => BackendMessageWriter.WriteBackendKeyData(o, 42, -7)))));
        Assert.Equal("INSERT 0 1",
            BackendMessageDecoder.DecodeCommandComplete(ReadOne(Encode(o => BackendMessageWriter.WriteCommandComplete(o, "INSERT 0 1")))));
        foreach (TransactionStatus status in Enum.GetValues<TransactionStatus>())
        {
            Assert.Equal(status, BackendMessageDecoder.DecodeReadyForQuery(ReadOne(Encode(o => BackendMessageWriter.WriteReadyForQuery(o, status)))));
        }

        Assert.Equal([23u, 4_000_000_000u],
            BackendMessageDecoder.DecodeParameterDescription(ReadOne(Encode(o => BackendMessageWriter.WriteParameterDescription(o, [23, 4_000_000_000])))).ToArray());
    }

    [Fact]
    public void NegotiateProtocolVersion_lists_the_unrecognised_options()
    {
        byte[] bytes = Encode(o => BackendMessageWriter.WriteNegotiateProtocolVersion(o, 0, ["_pq_.x"]));
        Assert.Equal([(byte)'v', 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 1, .. "_pq_.x"u8, 0], bytes);
    }

    [Fact]
    public void A_large_DataRow_value_is_written_across_several_buffer_segments()
    {
        byte[] value = new byte[300_000];
        new Random(1).NextBytes(value);
        var output = new SmallSegmentWriter(4096);
        BackendMessageWriter.WriteDataRow(output, [value, null]);
        byte[] bytes = output.ToArray();
        Assert.Equal(1 + 4 + 2 + 4 + value.Length + 4, bytes.Length);
        Assert.Equal(value, bytes[11..^4]);
        Assert.True(output.Segments > 10);
    }

    [Fact]
    public void Encoded_messages_are_copied_verbatim_from_a_span_or_a_sequence()
    {
        var cache = new ArrayBufferWriter<byte>();
        BackendMessageWriter.WriteRowDescription(cache, [new("n", 0, 0, 23, 4, -1, FormatCode.Text)]);
        BackendMessageWriter.WriteDataRow(cache, ["1"u8.ToArray()]);
        BackendMessageWriter.WriteCommandComplete(cache, "SELECT 1");
        byte[] encoded = cache.WrittenSpan.ToArray();

        Assert.Equal(encoded, Encode(o => BackendMessageWriter.WriteEncoded(o, encoded)));
        Assert.Equal(encoded, Encode(o => BackendMessageWriter.WriteEncoded(o, Split(encoded, 3, 17, 30))));

        var buffer = Split(encoded, 9);
        Assert.True(_reader.TryReadMessage(ref buffer, out BackendMessage first));
        Assert.Equal(encoded[..(int)first.Encoded.Length], Encode(o => BackendMessageWriter.WriteMessage(o, first.Type, first.Payload)));
    }

    [Fact]
    public void A_protocol_string_with_a_NUL_is_refused_before_anything_is_written()
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => BackendMessageWriter.WriteCommandComplete(output, "SELECT\01"));
        Assert.Throws<ArgumentException>(() => BackendMessageWriter.WriteErrorResponse(output, PostgresErrorFields.Error("XX000", "a\0b")));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void Error_fields_factories_set_both_severities_and_the_code()
    {
        PostgresErrorFields fatal = PostgresErrorFields.Fatal(SqlState.InvalidPassword, "password authentication failed for user \"app\"");
        Assert.Equal(("FATAL", "FATAL", "28P01"), (fatal.Severity, fatal.InvariantSeverity, fatal.Code));
        Assert.Equal("ERROR", PostgresErrorFields.Error(SqlState.SyntaxError, "x").Severity);
        Assert.Equal("WARNING", PostgresErrorFields.Warning("01000", "x")[ 'S' ]);
        Assert.Null(fatal['?']);
    }

    private const string ScramMechanism = "SCRAM-SHA-256";

    private AuthenticationRequest DecodeAuthentication(Action<IBufferWriter<byte>> write) =>
        BackendMessageDecoder.DecodeAuthentication(ReadOne(Encode(write)));

    private BackendMessage ReadOne(byte[] bytes)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(_reader.TryReadMessage(ref buffer, out BackendMessage message));
        Assert.True(buffer.IsEmpty);
        return message;
    }

    /// <summary>An output that hands out small spans, like a pipe with small segments.</summary>
    private sealed class SmallSegmentWriter(int segmentSize) : IBufferWriter<byte>
    {
        private readonly List<byte[]> _segments = [];
        private readonly MemoryStream _written = new();
        private byte[] _current = [];

        public int Segments => _segments.Count;

        public void Advance(int count) => _written.Write(_current, 0, count);

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            _current = new byte[Math.Max(sizeHint, segmentSize)];
            _segments.Add(_current);
            return _current;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

        public byte[] ToArray() => _written.ToArray();
    }
}
