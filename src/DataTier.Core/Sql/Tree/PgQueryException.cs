namespace DataTier.Core.Sql.Tree;

/// <summary>SQL text that PostgreSQL's parser (libpg_query) refused, with the SQLSTATE and position a front end reports.</summary>
/// <remarks>
/// <see cref="SqlState"/> is what callers branch on: <see cref="SyntaxError"/> for everything the grammar refuses,
/// <see cref="StatementTooComplex"/> when the tree is nested too deeply to analyse, <see cref="CharacterNotInRepertoire"/> for a
/// NUL character or a lone UTF-16 surrogate. libpg_query does not return a SQLSTATE of its own; nearly every raw-parser
/// error is a syntax error, and the few that are not (PostgreSQL's <c>check_stack_depth</c>) are told apart by the source
/// function, never by the message.
/// </remarks>
internal sealed class PgQueryException : Exception
{
    /// <summary><c>42601</c> syntax_error.</summary>
    public const string SyntaxError = "42601";

    /// <summary><c>54001</c> statement_too_complex.</summary>
    public const string StatementTooComplex = "54001";

    /// <summary><c>22021</c> character_not_in_repertoire.</summary>
    public const string CharacterNotInRepertoire = "22021";

    public PgQueryException(string sqlState, string message, int? position = null, Exception? innerException = null)
        : base(message, innerException)
    {
        SqlState = sqlState;
        Position = position;
    }

    /// <summary>The SQLSTATE a PostgreSQL front end sends in its ErrorResponse.</summary>
    public string SqlState { get; }

    /// <summary>
    /// Where the error is, as PostgreSQL reports it in the ErrorResponse <c>P</c> field: 1-based, counting characters
    /// (code points) of the text given to the parser; null when the parser named no position.
    /// </summary>
    public int? Position { get; }

    /// <summary>The zero-based UTF-16 index into the .NET string that <see cref="Position"/> points at, for callers that slice.</summary>
    public int? Offset { get; init; }

    /// <summary>PostgreSQL's source function that raised the error (<c>scanner_yyerror</c>, <c>base_yyerror</c>...), if any.</summary>
    public string? FunctionName { get; init; }

    /// <summary>PostgreSQL's source file that raised the error (<c>scan.l</c>, <c>gram.y</c>...), if any.</summary>
    public string? FileName { get; init; }

    /// <summary>The line in <see cref="FileName"/>, or 0.</summary>
    public int LineNumber { get; init; }

    /// <summary>Additional context, when the parser gives one.</summary>
    public string? Context { get; init; }
}
