namespace DataTier.Core.Sql;

/// <summary>The stable <see cref="SqlRejectedException.Code"/> values. They are part of the API: never change one once shipped.</summary>
public static class SqlRejectionCodes
{
    /// <summary>The text holds no statement (only whitespace, comments or semicolons).</summary>
    public const string EmptyStatement = "empty_statement";

    /// <summary>Something other than whitespace or comments follows the first semicolon.</summary>
    public const string MultipleStatements = "multiple_statements";

    /// <summary>The statement is not SELECT/INSERT/UPDATE/DELETE (DDL, COPY, SET, DO, transaction control, ...).</summary>
    public const string UtilityStatement = "utility_statement";

    /// <summary><c>SELECT ... INTO</c>, which creates a table.</summary>
    public const string SelectInto = "select_into";

    /// <summary>A call to a function on the deny-list (backend signalling, server files, session-level locks, ...).</summary>
    public const string ForbiddenFunction = "forbidden_function";

    /// <summary>A positional <c>$1</c> placeholder: clients must use named <c>@name</c> parameters.</summary>
    public const string PositionalParameter = "positional_parameter";

    /// <summary>A string, quoted identifier, dollar-quoted string or block comment is not closed.</summary>
    public const string UnterminatedLiteral = "unterminated_literal";

    /// <summary>The statement's shape cannot be recognised (for example a malformed WITH list).</summary>
    public const string SyntaxError = "syntax_error";

    /// <summary>A parameter value or type cannot be used, or a parameter name is malformed.</summary>
    public const string BadParameter = "bad_parameter";

    /// <summary>The SQL references a parameter that <c>params</c> does not give.</summary>
    public const string MissingParameter = "missing_parameter";

    /// <summary><c>params</c> gives a parameter that the SQL does not reference.</summary>
    public const string UnknownParameter = "unknown_parameter";

    /// <summary>More distinct parameters than the PostgreSQL protocol allows.</summary>
    public const string TooManyParameters = "too_many_parameters";
}
