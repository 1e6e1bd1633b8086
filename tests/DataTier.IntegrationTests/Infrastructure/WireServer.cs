using DataTier.Postgres.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>A <see cref="DataTierServer"/> with its PostgreSQL wire front end on a free port, and how clients reach it.</summary>
public sealed class WireServer : IAsyncDisposable
{
    private WireServer(DataTierServer server, ClusterFixture fixture, int port)
    {
        Server = server;
        Fixture = fixture;
        Port = port;
    }

    public DataTierServer Server { get; }

    public ClusterFixture Fixture { get; }

    /// <summary>The wire listener's port on 127.0.0.1.</summary>
    public int Port { get; }

    public static async Task<WireServer> StartAsync(ClusterFixture fixture, IDictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string?> { ["DataTier:Postgres:Port"] = "-1" };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var server = await DataTierServer.StartAsync(fixture, values);
        var endpoint = server.Services.GetRequiredService<PostgresEndpoint>().EndPoint
            ?? throw new InvalidOperationException("The wire listener did not bind.");
        return new WireServer(server, fixture, endpoint.Port);
    }

    /// <summary>An Npgsql connection string as a user writes it: user = key name, password = the key.</summary>
    public string ConnectionString(string keyName = "app", string? key = null) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = keyName,
        Password = key ?? KeyOf(keyName),
        Database = "datatier",
        Timeout = 10,
        CommandTimeout = 30,
    }.ConnectionString;

    /// <summary>A libpq URL for psql and pgbench.</summary>
    public string Url(string keyName = "app") =>
        $"postgresql://{keyName}:{Uri.EscapeDataString(KeyOf(keyName))}@127.0.0.1:{Port}/datatier";

    private string KeyOf(string keyName) => keyName switch
    {
        "admin" => Fixture.Manifest.Keys.Admin,
        "app" => Fixture.Manifest.Keys.App,
        "reader" => Fixture.Manifest.Keys.Reader,
        _ => throw new ArgumentOutOfRangeException(nameof(keyName)),
    };

    public ValueTask DisposeAsync()
    {
        // Clients that pool by connection string (EF Core's UseNpgsql(string), NpgsqlConnection) keep idle connections
        // open after the test; the server's graceful stop would wait for them to close.
        NpgsqlConnection.ClearAllPools();
        return Server.DisposeAsync();
    }
}
