namespace DataTier.Postgres.Hosting;

/// <summary>The PostgreSQL wire front end (<c>DataTier:Postgres</c>): where it listens and how it pools backends.</summary>
public sealed class PostgresOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Postgres";

    /// <summary>TCP port of the wire listener; 0 (the default) turns the front end off. -1 picks a free port (tests).</summary>
    public int Port { get; set; }

    /// <summary>Address the listener binds (default 127.0.0.1; 0.0.0.0 for every interface, with <see cref="Tls"/> configured).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The database name clients must ask for (their startup packet's <c>database</c>).</summary>
    public string Database { get; set; } = "datatier";

    /// <summary>Client connections accepted at once; more are refused with 53300.</summary>
    public int MaxClientConnections { get; set; } = 2000;

    /// <summary>Backend connections per node (each PostgreSQL server), shared by every client.</summary>
    public int BackendPoolSize { get; set; } = 20;

    /// <summary>How long a statement waits for a free backend connection before 53300.</summary>
    public int BackendWaitMs { get; set; } = 5000;

    /// <summary>Bound on connecting and authenticating to a backend.</summary>
    public int BackendConnectTimeoutMs { get; set; } = 5000;

    /// <summary>Bound on every other network wait on a backend (a statement's answer included).</summary>
    public int BackendIoTimeoutMs { get; set; } = 120_000;

    /// <summary>A backend connection older than this is closed when it comes back to the pool.</summary>
    public int BackendLifetimeSeconds { get; set; } = 3600;

    /// <summary>Bound on a client's start-up and authentication, its TLS handshake included.</summary>
    public int ClientAuthTimeoutMs { get; set; } = 10_000;

    /// <summary>The longest Query, Parse or Bind message accepted from a client (bytes).</summary>
    public int MaxMessageBytes { get; set; } = Protocol.FrontendMessageReader.DefaultMaxMessageLength;

    /// <summary>Prepared statements remembered per client connection; more are refused with 54000.</summary>
    public int MaxPreparedStatementsPerClient { get; set; } = 1000;

    /// <summary>TLS for clients that send SSLRequest (or start TLS directly): certificate, key and mode.</summary>
    public PostgresTlsOptions Tls { get; set; } = new();
}
