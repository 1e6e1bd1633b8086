using System.Buffers;
using DataTier.Postgres.Protocol;
using static DataTier.Postgres.Tests.SegmentedSequence;

namespace DataTier.Postgres.Tests.Protocol;

public sealed class BackendMessageReaderTests
{
    private readonly BackendMessageReader _reader = new();

    private static byte[] Answer { get; } = Encode(o =>
    {
        BackendMessageWriter.WriteRowDescription(o, [new("id", 1, 1, 23, 4, -1, FormatCode.Text), new("name", 1, 2, 25, -1, -1, FormatCode.Text)]);
        BackendMessageWriter.WriteDataRow(o, ["1"u8.ToArray(), null]);
        BackendMessageWriter.WriteCommandComplete(o, "SELECT 1");
        BackendMessageWriter.WriteReadyForQuery(o, TransactionStatus.InTransaction);
    });

    [Fact]
    public void A_backend_answer_split_at_any_offset_reads_as_the_same_messages()
    {
        string expected = ReadAll(new ReadOnlySequence<byte>(Answer));
        Assert.Equal("T,D,C,Z", expected);
        for (int offset = 1; offset < Answer.Length; offset++)
        {
            Assert.Equal(expected, ReadAll(Split(Answer, offset)));
        }

        Assert.Equal(expected, ReadAll(OneBytePerSegment(Answer)));
    }

    [Fact]
    public void Every_prefix_needs_more_data_until_the_first_message_is_whole()
    {
        int first = 1 + ((Answer[3] << 8) | Answer[4]);
        for (int length = 0; length < first; length++)
        {
            var buffer = new ReadOnlySequence<byte>(Answer, 0, length);
            Assert.False(_reader.TryReadMessage(ref buffer, out _));
            Assert.Equal(length, buffer.Length);
        }

        var whole = new ReadOnlySequence<byte>(Answer, 0, first);
        Assert.True(_reader.TryReadMessage(ref whole, out BackendMessage message));
        Assert.Equal(first - 1, message.Length);
        Assert.Equal(Answer[..first], message.Encoded.ToArray());
    }

    [Fact]
    public void Unknown_type_bytes_are_framed_so_newer_messages_can_be_relayed()
    {
        var buffer = new ReadOnlySequence<byte>([(byte)'~', 0, 0, 0, 6, 1, 2]);
        Assert.True(_reader.TryReadMessage(ref buffer, out BackendMessage message));
        Assert.Equal((BackendMessageType)'~', message.Type);
        Assert.Equal([1, 2], message.Payload.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { (byte)'D', 0, 0, 0, 3 }, "08P01")]
    [InlineData(new byte[] { (byte)'D', 128, 0, 0, 0 }, "08P01")]
    [InlineData(new byte[] { (byte)'D', 0, 0, 4, 1 }, "54000")]
    public void A_bad_length_is_a_fatal_protocol_error(byte[] header, string sqlState)
    {
        var reader = new BackendMessageReader(maxMessageLength: 1024);
        var buffer = new ReadOnlySequence<byte>(header);
        var error = Assert.Throws<PostgresProtocolException>(() => reader.TryReadMessage(ref buffer, out _));
        Assert.Equal(sqlState, error.SqlState);
        Assert.True(error.IsFatal);
    }

    public static TheoryData<string, byte, byte[]> MalformedContents() => new()
    {
        { "ReadyForQuery with status X", (byte)'Z', [(byte)'X'] },
        { "ReadyForQuery empty", (byte)'Z', [] },
        { "ReadyForQuery with two bytes", (byte)'Z', [(byte)'I', (byte)'I'] },
        { "RowDescription with more fields than bytes", (byte)'T', [0, 2, (byte)'a', 0, .. new byte[18]] },
        { "RowDescription with format 2", (byte)'T', [0, 1, 0, .. new byte[16], 0, 2] },
        { "RowDescription with a name without NUL", (byte)'T', [0, 1, .. new byte[19].Select(_ => (byte)'a')] },
        { "ErrorResponse without the final terminator", (byte)'E', [(byte)'S', .. "ERROR"u8, 0] },
        { "ErrorResponse with a value without NUL", (byte)'E', [(byte)'M', .. "oops"u8] },
        { "ErrorResponse with bytes after the terminator", (byte)'E', [0, 0] },
        { "Authentication with an unknown code", (byte)'R', [0, 0, 0, 99] },
        { "Authentication with a short MD5 salt", (byte)'R', [0, 0, 0, 5, 1, 2] },
        { "AuthenticationOk with data", (byte)'R', [0, 0, 0, 0, 1] },
        { "AuthenticationSASL without the list terminator", (byte)'R', [0, 0, 0, 10, .. "SCRAM-SHA-256"u8, 0] },
        { "ParameterStatus without a value", (byte)'S', [.. "TimeZone"u8, 0] },
        { "BackendKeyData with a 3.2 key", (byte)'K', [0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8] },
        { "CommandComplete without NUL", (byte)'C', [.. "SELECT 1"u8] },
        { "ParameterDescription with a short list", (byte)'t', [0, 2, 0, 0, 0, 23] },
    };

    [Theory]
    [MemberData(nameof(MalformedContents))]
    public void Malformed_backend_contents_are_non_fatal_protocol_errors(string name, byte type, byte[] payload)
    {
        var buffer = new ReadOnlySequence<byte>(Encode(o => BackendMessageWriter.WriteMessage(o, (BackendMessageType)type, payload)));
        Assert.True(_reader.TryReadMessage(ref buffer, out BackendMessage message));
        var error = Assert.Throws<PostgresProtocolException>(() => Decode(message));
        Assert.Equal(SqlState.ProtocolViolation, error.SqlState);
        Assert.False(error.IsFatal, name);
    }

    private static object Decode(in BackendMessage message) => message.Type switch
    {
        BackendMessageType.ReadyForQuery => BackendMessageDecoder.DecodeReadyForQuery(message),
        BackendMessageType.RowDescription => BackendMessageDecoder.DecodeRowDescription(message),
        BackendMessageType.ErrorResponse or BackendMessageType.NoticeResponse => BackendMessageDecoder.DecodeErrorFields(message),
        BackendMessageType.Authentication => BackendMessageDecoder.DecodeAuthentication(message),
        BackendMessageType.ParameterStatus => BackendMessageDecoder.DecodeParameterStatus(message),
        BackendMessageType.BackendKeyData => BackendMessageDecoder.DecodeBackendKeyData(message),
        BackendMessageType.CommandComplete => BackendMessageDecoder.DecodeCommandComplete(message),
        BackendMessageType.ParameterDescription => BackendMessageDecoder.DecodeParameterDescription(message),
        _ => message.Payload.ToArray(),
    };

    private string ReadAll(ReadOnlySequence<byte> buffer)
    {
        var types = new List<string>();
        while (_reader.TryReadMessage(ref buffer, out BackendMessage message))
        {
            Decode(message);
            types.Add(((char)message.Type).ToString());
        }

        Assert.True(buffer.IsEmpty);
        return string.Join(',', types);
    }
}
