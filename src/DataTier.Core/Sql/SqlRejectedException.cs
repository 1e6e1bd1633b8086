namespace DataTier.Core.Sql;

/// <summary>SQL text or parameters that DataTier refuses before anything reaches PostgreSQL.</summary>
/// <remarks>
/// <see cref="Code"/> is one of <see cref="SqlRejectionCodes"/> and is what callers should branch on; the message is for
/// humans and names the offending keyword, function or parameter, but never echoes parameter values.
/// </remarks>
public sealed class SqlRejectedException : Exception
{
    /// <summary>Creates a rejection with a code from <see cref="SqlRejectionCodes"/>.</summary>
    public SqlRejectedException(string code, string message, int? position = null, string? parameterName = null)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrEmpty(code);
        Code = code;
        Position = position;
        ParameterName = parameterName;
    }

    /// <summary>The stable machine-readable reason, one of <see cref="SqlRejectionCodes"/>.</summary>
    public string Code { get; }

    /// <summary>The zero-based character offset in the SQL text the rejection points at, when there is one.</summary>
    public int? Position { get; }

    /// <summary>The parameter the rejection is about, when there is one.</summary>
    public string? ParameterName { get; }
}
