namespace DataTier.Postgres.Protocol;

/// <summary>A message broke the PostgreSQL wire protocol; <see cref="SqlState"/> is the code to report to the peer.</summary>
/// <remarks>
/// Every malformed input the codec sees ends here, never in an <see cref="IndexOutOfRangeException"/>. PostgreSQL
/// distinguishes two cases and so does <see cref="IsFatal"/>: when the framing itself is broken (a bad length, an
/// unknown type byte, a bad startup packet) the byte stream cannot be trusted and the connection must close; when one
/// well-framed message has bad contents (a Bind with a bad count, invalid UTF-8) PostgreSQL reports an ERROR and the
/// session goes on after the next Sync.
/// </remarks>
public sealed class PostgresProtocolException : Exception
{
    /// <summary>Creates the exception with the SQLSTATE to report, a message that says what was wrong, and whether the connection must close.</summary>
    public PostgresProtocolException(string sqlState, string message, bool isFatal)
        : base(message)
    {
        SqlState = sqlState;
        IsFatal = isFatal;
    }

    /// <summary>The SQLSTATE to send to the peer, one of the <see cref="Protocol.SqlState"/> constants.</summary>
    public string SqlState { get; }

    /// <summary>True when the stream is desynchronised and the connection must close after reporting the error.</summary>
    public bool IsFatal { get; }

    /// <summary>The ErrorResponse that reports this violation, FATAL or ERROR as <see cref="IsFatal"/> says.</summary>
    public PostgresErrorFields ToErrorFields() =>
        IsFatal ? PostgresErrorFields.Fatal(SqlState, Message) : PostgresErrorFields.Error(SqlState, Message);

    /// <summary>Bad contents inside a well-framed message.</summary>
    internal static PostgresProtocolException Violation(string message) => new(Protocol.SqlState.ProtocolViolation, message, isFatal: false);

    /// <summary>Broken framing: the connection cannot continue.</summary>
    internal static PostgresProtocolException FatalViolation(string message) => new(Protocol.SqlState.ProtocolViolation, message, isFatal: true);
}
