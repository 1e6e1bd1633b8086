using DataTier.Postgres.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DataTier.Postgres.Hosting;

/// <summary>Logs where the wire listener is bound once the server has started.</summary>
internal sealed class PostgresListenerLog(PostgresEndpoint endpoint, IHostApplicationLifetime lifetime, ILogger<PostgresListenerLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            if (endpoint.EndPoint is { } bound)
            {
                WireLog.ListenerStarted(logger, bound.ToString());
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
