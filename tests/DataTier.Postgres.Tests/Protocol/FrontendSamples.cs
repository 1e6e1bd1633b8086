using System.Buffers;
using System.Text;
using DataTier.Postgres.Protocol;
using static DataTier.Postgres.Tests.SegmentedSequence;

namespace DataTier.Postgres.Tests.Protocol;

/// <summary>One valid encoding of every frontend message type, and a canonical text of what decodes from it.</summary>
internal static class FrontendSamples
{
    public static readonly byte[] Int42 = [0, 0, 0, 42];

    public static IReadOnlyList<(string Name, byte[] Bytes)> Typed { get; } =
    [
        ("Query", Encode(o => FrontendMessageWriter.WriteQuery(o, "select 1"))),
        ("Query non-ASCII", Encode(o => FrontendMessageWriter.WriteQuery(o, "select 'żółw ✓'"))),
        ("Query empty", Encode(o => FrontendMessageWriter.WriteQuery(o, string.Empty))),
        ("Parse", Encode(o => FrontendMessageWriter.WriteParse(o, "s1", "select $1::int, $2", [23, 0]))),
        ("Parse unnamed", Encode(o => FrontendMessageWriter.WriteParse(o, string.Empty, "select 2", []))),
        ("Bind", Encode(o => FrontendMessageWriter.WriteBind(o, "p1", "s1", [FormatCode.Binary], [Int42, null, ReadOnlyMemory<byte>.Empty], [FormatCode.Text, FormatCode.Binary]))),
        ("Bind per-parameter formats", Encode(o => FrontendMessageWriter.WriteBind(o, string.Empty, "s2", [FormatCode.Text, FormatCode.Binary], ["abc"u8.ToArray(), Int42], []))),
        ("Bind no parameters", Encode(o => FrontendMessageWriter.WriteBind(o, string.Empty, string.Empty, [], [], [FormatCode.Binary]))),
        ("Describe statement", Encode(o => FrontendMessageWriter.WriteDescribe(o, StatementOrPortal.Statement, "s1"))),
        ("Describe portal", Encode(o => FrontendMessageWriter.WriteDescribe(o, StatementOrPortal.Portal, string.Empty))),
        ("Execute", Encode(o => FrontendMessageWriter.WriteExecute(o, "p1", 100))),
        ("Close statement", Encode(o => FrontendMessageWriter.WriteClose(o, StatementOrPortal.Statement, "s1"))),
        ("Close portal", Encode(o => FrontendMessageWriter.WriteClose(o, StatementOrPortal.Portal, "p1"))),
        ("Sync", Encode(FrontendMessageWriter.WriteSync)),
        ("Flush", Encode(FrontendMessageWriter.WriteFlush)),
        ("Terminate", Encode(FrontendMessageWriter.WriteTerminate)),
        ("Password", Encode(o => FrontendMessageWriter.WritePassword(o, "dt_app_secret"))),
        ("SASLInitialResponse", Encode(o => FrontendMessageWriter.WriteSaslInitialResponse(o, "SCRAM-SHA-256", "n,,n=,r=abc"u8))),
        ("SASLInitialResponse no data", Encode(o => FrontendMessageWriter.WriteSaslInitialResponseWithoutData(o, "SCRAM-SHA-256"))),
        ("CopyData", Encode(o => FrontendMessageWriter.WriteCopyData(o, "1\tone\n"u8))),
        ("CopyDone", Encode(FrontendMessageWriter.WriteCopyDone)),
        ("CopyFail", Encode(o => FrontendMessageWriter.WriteCopyFail(o, "aborted by user"))),
        ("FunctionCall", Encode(o => FrontendMessageWriter.WriteMessage(o, FrontendMessageType.FunctionCall, [0, 0, 4, 0, 0, 0]))),
    ];

    public static IReadOnlyList<(string Name, byte[] Bytes)> Startup { get; } =
    [
        ("StartupMessage", Encode(o => FrontendMessageWriter.WriteStartupMessage(o, ProtocolVersion.V3_0, [new("user", "app"), new("database", "tasks"), new("application_name", "psql ✓")]))),
        ("StartupMessage no parameters", Encode(o => FrontendMessageWriter.WriteStartupMessage(o, ProtocolVersion.V3_0, []))),
        ("SSLRequest", Encode(FrontendMessageWriter.WriteSslRequest)),
        ("GSSENCRequest", Encode(FrontendMessageWriter.WriteGssEncryptionRequest)),
        ("CancelRequest", Encode(o => FrontendMessageWriter.WriteCancelRequest(o, 1234, -559038737))),
    ];

    /// <summary>Decodes a message with the decoder its type calls for ('p' with all three) and describes the result.</summary>
    public static string Describe(in FrontendMessage message)
    {
        switch (message.Type)
        {
            case FrontendMessageType.Query:
                return "Q:" + FrontendMessageDecoder.DecodeQuery(message);
            case FrontendMessageType.Parse:
                ParseMessage parse = FrontendMessageDecoder.DecodeParse(message);
                return $"P:{parse.StatementName}|{parse.Query}|{string.Join(',', parse.ParameterTypeOids)}";
            case FrontendMessageType.Bind:
                BindMessage bind = FrontendMessageDecoder.DecodeBind(message);
                var text = new StringBuilder($"B:{bind.PortalName}|{bind.StatementName}|{bind.ParameterFormatCount}|{bind.ResultFormatCount}");
                for (int i = 0; i < bind.ParameterCount; i++)
                {
                    text.Append('|').Append(bind.GetParameterFormat(i)).Append('=')
                        .Append(bind.IsNull(i) ? "NULL" : Convert.ToHexString(bind.GetValue(i).Span));
                }

                return text.ToString();
            case FrontendMessageType.Describe:
                return "D:" + FrontendMessageDecoder.DecodeDescribe(message);
            case FrontendMessageType.Close:
                return "C:" + FrontendMessageDecoder.DecodeClose(message);
            case FrontendMessageType.Execute:
                return "E:" + FrontendMessageDecoder.DecodeExecute(message);
            case FrontendMessageType.CopyFail:
                return "f:" + FrontendMessageDecoder.DecodeCopyFail(message);
            case FrontendMessageType.Password:
                string raw = Convert.ToHexString(FrontendMessageDecoder.DecodeSaslResponse(message).Span);
                string initial;
                try
                {
                    SaslInitialResponse sasl = FrontendMessageDecoder.DecodeSaslInitialResponse(message);
                    initial = $"{sasl.Mechanism}/{sasl.HasData}/{Convert.ToHexString(sasl.Data.Span)}";
                }
                catch (PostgresProtocolException e)
                {
                    initial = "not SASL: " + e.SqlState;
                }

                string password;
                try
                {
                    password = FrontendMessageDecoder.DecodePassword(message);
                }
                catch (PostgresProtocolException e)
                {
                    password = "not a password: " + e.SqlState;
                }

                return $"p:{raw}|{initial}|{password}";
            default:
                return $"{(char)message.Type}:{Convert.ToHexString(message.Payload.ToArray())}";
        }
    }

    public static string Describe(StartupPacket packet) => packet switch
    {
        StartupMessage startup => $"startup {startup.Version}:" + string.Join(',', startup.Parameters.Select(p => $"{p.Key}={p.Value}")),
        CancelRequest cancel => $"cancel {cancel.ProcessId}/{cancel.SecretKey}",
        _ => packet.GetType().Name,
    };
}
