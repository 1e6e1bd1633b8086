namespace DataTier.Postgres.Backends;

/// <summary>A backend connection could not be opened or broke; the message never holds a connection string or password.</summary>
internal sealed class BackendException : Exception
{
    public BackendException(string message)
        : base(message)
    {
    }

    /// <summary>The SQLSTATE the node sent, when it sent one.</summary>
    public string? SqlState { get; init; }
}
