using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <summary>A refusal DataTier itself raises on the wire: reported to the client as an ErrorResponse with its SQLSTATE.</summary>
internal sealed class WireException : Exception
{
    public WireException(string sqlState, string message, string? hint = null, bool isFatal = false)
        : base(message)
    {
        SqlState = sqlState;
        Hint = hint;
        IsFatal = isFatal;
    }

    public string SqlState { get; }

    public string? Hint { get; }

    /// <summary>The client connection cannot continue (FATAL, then close).</summary>
    public bool IsFatal { get; }

    /// <summary>Where in the statement the error is (1-based characters), as PostgreSQL's P field.</summary>
    public int? Position { get; init; }

    public PostgresErrorFields ToErrorFields() =>
        (IsFatal ? PostgresErrorFields.Fatal(SqlState, Message) : PostgresErrorFields.Error(SqlState, Message)) with { Hint = Hint, Position = Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
