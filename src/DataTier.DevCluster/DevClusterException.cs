namespace DataTier.DevCluster;

/// <summary>
/// An expected failure of the local cluster (a missing binary, a port in use, a node that would not start),
/// with a message that says what to do. Callers show the message, not the stack trace.
/// </summary>
public sealed class DevClusterException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DevClusterException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public DevClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
