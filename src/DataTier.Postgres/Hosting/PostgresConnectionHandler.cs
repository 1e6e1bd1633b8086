using DataTier.Postgres.Protocol;
using DataTier.Postgres.Sessions;
using Microsoft.AspNetCore.Connections;

namespace DataTier.Postgres.Hosting;

/// <summary>Kestrel's handler for the wire listener: one <see cref="ClientSession"/> per connection, bounded in number.</summary>
internal sealed class PostgresConnectionHandler : ConnectionHandler
{
    private readonly WireServices _services;
    private int _connections;

    public PostgresConnectionHandler(WireServices services)
    {
        _services = services;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        int count = Interlocked.Increment(ref _connections);
        _services.Metrics.Connections.Inc();
        try
        {
            if (count > _services.Options.MaxClientConnections)
            {
                _services.Metrics.ConnectionsTotal.WithLabels("refused").Inc();
                BackendMessageWriter.WriteErrorResponse(connection.Transport.Output, PostgresErrorFields.Fatal(
                    SqlState.TooManyConnections,
                    $"sorry, too many clients already: DataTier accepts {_services.Options.MaxClientConnections} wire connections (DataTier:Postgres:MaxClientConnections)"));
                await connection.Transport.Output.FlushAsync().ConfigureAwait(false);
                return;
            }

            var session = new ClientSession(_services, connection.Transport);
            await session.RunAsync(connection.ConnectionClosed).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
            _services.Metrics.Connections.Dec();
        }
    }
}
