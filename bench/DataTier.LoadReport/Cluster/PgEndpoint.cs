using System.Globalization;
using Npgsql;

namespace DataTier.LoadReport.Cluster;

/// <summary>One PostgreSQL server as pgbench and pgpool need it: host, port, database, login.</summary>
internal sealed record PgEndpoint(string Host, int Port, string Database, string Username, string Password)
{
    public static PgEndpoint Parse(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return new PgEndpoint(b.Host ?? "127.0.0.1", b.Port, b.Database ?? "", b.Username ?? "", b.Password ?? "");
    }

    /// <summary>A libpq URL, <c>postgresql://user:password@host:port/database</c> (user and password percent-encoded).</summary>
    public static PgEndpoint ParseUrl(string url)
    {
        var uri = new Uri(url);
        string[] login = uri.UserInfo.Split(':', 2);
        return new PgEndpoint(uri.Host, uri.Port, Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
            Uri.UnescapeDataString(login[0]), login.Length > 1 ? Uri.UnescapeDataString(login[1]) : "");
    }

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Database = Database,
        Username = Username,
        Password = Password,
        Timeout = 5,
        CommandTimeout = 120,
        Pooling = false,
    }.ConnectionString;

    /// <summary>The same login on another port (pgpool or PgBouncer in front of this server, another DataTier server's wire).</summary>
    public PgEndpoint WithPort(int port) => this with { Port = port };

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}/{Database}");
}
