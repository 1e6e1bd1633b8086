using DataTier.Core.Errors;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Catalog;

/// <summary>Pooled connections to the catalog, when one is configured.</summary>
public sealed class CatalogDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _source;

    /// <summary>Creates the pool from <see cref="CatalogOptions"/>.</summary>
    public CatalogDatabase(IOptions<CatalogOptions> options)
    {
        string? connectionString = options.Value.ConnectionString;
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "datatier-catalog" };
            if (builder.Timeout == 15)
            {
                builder.Timeout = 5;
            }

            _source = NpgsqlDataSource.Create(builder.ConnectionString);
        }
    }

    /// <summary>Whether a catalog is configured.</summary>
    public bool Configured => _source is not null;

    /// <summary>Opens a connection, or fails with a clear error when there is no catalog.</summary>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        _source is null
            ? throw new DataTierException(DataTierErrorKind.Conflict, "no-catalog", "This DataTier instance has no catalog database (DataTier:Catalog:ConnectionString).")
            : await _source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _source?.DisposeAsync() ?? ValueTask.CompletedTask;
}
