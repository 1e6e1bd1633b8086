namespace DataTier.Postgres.Authentication;

/// <summary>A user that may log in on the wire: its SCRAM verifier (null: it cannot log in) and what it may do.</summary>
/// <param name="Name">The user name clients send (an API key's name).</param>
/// <param name="Verifier">The SCRAM-SHA-256 verifier of its password, or null when none is configured.</param>
/// <param name="CanRead">Reads are allowed (scope data:read).</param>
/// <param name="CanWrite">Writes are allowed (scope data:write).</param>
public sealed record PostgresUser(string Name, ScramVerifier? Verifier, bool CanRead, bool CanWrite);
