namespace DataTier.Postgres.Protocol;

/// <summary>StartupMessage: the protocol version and the session parameters (user, database, options, GUCs...).</summary>
public sealed class StartupMessage : StartupPacket
{
    /// <summary>Creates the message; parameters keep the order the client sent them in.</summary>
    public StartupMessage(ProtocolVersion version, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Version = version;
        Parameters = parameters;
    }

    /// <inheritdoc />
    public override int Code => Version.Code;

    /// <summary>The protocol version the client asks for; the host decides whether to negotiate a lower minor version.</summary>
    public ProtocolVersion Version { get; }

    /// <summary>The name/value pairs in the order sent, duplicates included.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Parameters { get; }

    /// <summary>The "user" parameter, or null when the client sent none (PostgreSQL answers that with 28000).</summary>
    public string? User => GetParameter("user");

    /// <summary>The "database" parameter, which defaults to the user name as in PostgreSQL.</summary>
    public string? Database => GetParameter("database") is { Length: > 0 } database ? database : User;

    /// <summary>
    /// The value of a parameter, or null. When a name repeats, the last value wins, because PostgreSQL applies the
    /// pairs in order.
    /// </summary>
    public string? GetParameter(string name)
    {
        for (int i = Parameters.Count - 1; i >= 0; i--)
        {
            if (string.Equals(Parameters[i].Key, name, StringComparison.Ordinal))
            {
                return Parameters[i].Value;
            }
        }

        return null;
    }
}
