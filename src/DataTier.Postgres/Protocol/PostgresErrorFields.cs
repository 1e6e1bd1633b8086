namespace DataTier.Postgres.Protocol;

/// <summary>The fields of an ErrorResponse or NoticeResponse, written in the order the properties are declared.</summary>
/// <remarks>
/// Every field is the string the protocol carries (Position and Line are decimal strings there too), so a decoded
/// backend error re-encodes byte for byte. Null means "absent". Field codes a newer server sends and this type does
/// not know are skipped when decoding, as the protocol asks frontends to do.
/// </remarks>
public sealed record PostgresErrorFields
{
    /// <summary>'S': the severity, possibly localized (ERROR, FATAL, PANIC, WARNING, NOTICE, DEBUG, INFO, LOG).</summary>
    public string? Severity { get; init; }

    /// <summary>'V': the severity, never localized.</summary>
    public string? InvariantSeverity { get; init; }

    /// <summary>'C': the SQLSTATE code.</summary>
    public string? Code { get; init; }

    /// <summary>'M': the primary message.</summary>
    public string? Message { get; init; }

    /// <summary>'D': detail.</summary>
    public string? Detail { get; init; }

    /// <summary>'H': hint.</summary>
    public string? Hint { get; init; }

    /// <summary>'P': 1-based character position in the query string.</summary>
    public string? Position { get; init; }

    /// <summary>'p': position in <see cref="InternalQuery"/>.</summary>
    public string? InternalPosition { get; init; }

    /// <summary>'q': an internally generated command that failed.</summary>
    public string? InternalQuery { get; init; }

    /// <summary>'W': the context (call stack) of the error.</summary>
    public string? Where { get; init; }

    /// <summary>'s': schema name.</summary>
    public string? SchemaName { get; init; }

    /// <summary>'t': table name.</summary>
    public string? TableName { get; init; }

    /// <summary>'c': column name.</summary>
    public string? ColumnName { get; init; }

    /// <summary>'d': data type name.</summary>
    public string? DataTypeName { get; init; }

    /// <summary>'n': constraint name.</summary>
    public string? ConstraintName { get; init; }

    /// <summary>'F': source file where the error was reported.</summary>
    public string? File { get; init; }

    /// <summary>'L': source line where the error was reported.</summary>
    public string? Line { get; init; }

    /// <summary>'R': source routine where the error was reported.</summary>
    public string? Routine { get; init; }

    /// <summary>An ERROR: the statement failed, the session goes on.</summary>
    public static PostgresErrorFields Error(string sqlState, string message) => WithSeverity("ERROR", sqlState, message);

    /// <summary>A FATAL error: the server closes the connection after sending it.</summary>
    public static PostgresErrorFields Fatal(string sqlState, string message) => WithSeverity("FATAL", sqlState, message);

    /// <summary>A NOTICE, for NoticeResponse.</summary>
    public static PostgresErrorFields Notice(string sqlState, string message) => WithSeverity("NOTICE", sqlState, message);

    /// <summary>A WARNING, for NoticeResponse.</summary>
    public static PostgresErrorFields Warning(string sqlState, string message) => WithSeverity("WARNING", sqlState, message);

    /// <summary>The field value for a protocol field code, or null when absent or unknown.</summary>
    public string? this[char code] => code switch
    {
        'S' => Severity,
        'V' => InvariantSeverity,
        'C' => Code,
        'M' => Message,
        'D' => Detail,
        'H' => Hint,
        'P' => Position,
        'p' => InternalPosition,
        'q' => InternalQuery,
        'W' => Where,
        's' => SchemaName,
        't' => TableName,
        'c' => ColumnName,
        'd' => DataTypeName,
        'n' => ConstraintName,
        'F' => File,
        'L' => Line,
        'R' => Routine,
        _ => null,
    };

    /// <summary>The field codes in the order they are written.</summary>
    internal static ReadOnlySpan<byte> FieldCodes => "SVCMDHPpqWstcdnFLR"u8;

    /// <summary>The record from values indexed like <see cref="FieldCodes"/>.</summary>
    internal static PostgresErrorFields FromValues(string?[] values) => new()
    {
        Severity = values[0],
        InvariantSeverity = values[1],
        Code = values[2],
        Message = values[3],
        Detail = values[4],
        Hint = values[5],
        Position = values[6],
        InternalPosition = values[7],
        InternalQuery = values[8],
        Where = values[9],
        SchemaName = values[10],
        TableName = values[11],
        ColumnName = values[12],
        DataTypeName = values[13],
        ConstraintName = values[14],
        File = values[15],
        Line = values[16],
        Routine = values[17],
    };

    private static PostgresErrorFields WithSeverity(string severity, string sqlState, string message) => new()
    {
        Severity = severity,
        InvariantSeverity = severity,
        Code = sqlState,
        Message = message,
    };
}
