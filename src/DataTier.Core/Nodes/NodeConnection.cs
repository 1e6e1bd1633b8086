using Npgsql;

namespace DataTier.Core.Nodes;

/// <summary>An open pooled connection and its admission slot; disposing returns both.</summary>
public sealed class NodeConnection : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate;
    private int _disposed;

    internal NodeConnection(NpgsqlConnection connection, SemaphoreSlim gate)
    {
        Connection = connection;
        _gate = gate;
    }

    /// <summary>The connection.</summary>
    public NpgsqlConnection Connection { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            try
            {
                await Connection.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
