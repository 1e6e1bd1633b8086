using System.Collections.Frozen;
using DataTier.Core.Catalog;
using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DataTier.Core.Ownership;

/// <summary>
/// The sharded tables and their key columns (<c>datatier.sharded_tables</c> in the catalog), as routing needs them
/// (the wire router, and the cross-shard planner's co-located joins): read on first use and again every 30 s, keeping the last good list when the catalog does not answer.
/// </summary>
public sealed partial class ShardedTables
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);
    private readonly CatalogDatabase _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger<ShardedTables> _logger;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Snapshot? _current;

    public ShardedTables(CatalogDatabase catalog, TimeProvider time, ILogger<ShardedTables> logger)
    {
        _catalog = catalog;
        _time = time;
        _logger = logger;
    }

    /// <summary>False when no catalog is configured: then no table is known to be sharded.</summary>
    public bool Configured => _catalog.Configured;

    /// <summary>Table name → key column; the version changes when the list does (it keys the analysis cache).</summary>
    public sealed record Snapshot(FrozenDictionary<string, string> Tables, int Version, long LoadedAt);

    public ValueTask<Snapshot> GetAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        if (current is not null && _time.GetElapsedTime(current.LoadedAt) < RefreshInterval)
        {
            return new ValueTask<Snapshot>(current);
        }

        return LoadAsync(current, cancellationToken);
    }

    private async ValueTask<Snapshot> LoadAsync(Snapshot? stale, CancellationToken cancellationToken)
    {
        if (stale is not null && !await _loading.WaitAsync(0, cancellationToken).ConfigureAwait(false))
        {
            // Someone else is refreshing: keep serving the list we have.
            return stale;
        }

        if (stale is null)
        {
            await _loading.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (_current is { } fresh && _time.GetElapsedTime(fresh.LoadedAt) < RefreshInterval)
            {
                return fresh;
            }

            var tables = await ReadAsync(cancellationToken).ConfigureAwait(false);
            bool same = stale is not null && stale.Tables.Count == tables.Count && tables.All(t => stale.Tables.TryGetValue(t.Key, out var c) && c == t.Value);
            var snapshot = new Snapshot(tables.ToFrozenDictionary(StringComparer.Ordinal), same ? stale!.Version : (stale?.Version ?? 0) + 1, _time.GetTimestamp());
            if (!same)
            {
                Log.Loaded(_logger, tables.Count);
            }

            _current = snapshot;
            return snapshot;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or Errors.DataTierException && stale is not null)
        {
            Log.Failed(_logger, e.GetType().Name);
            _current = stale! with { LoadedAt = _time.GetTimestamp() };
            return stale;
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task<Dictionary<string, string>> ReadAsync(CancellationToken cancellationToken)
    {
        var tables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!_catalog.Configured)
        {
            return tables;
        }

        await using var connection = await _catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("select table_name, shard_key_column from datatier.sharded_tables", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tables[reader.GetString(0)] = reader.GetString(1);
        }

        return tables;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.ShardedTablesLoaded, EventName = "ShardedTablesLoaded", Level = LogLevel.Information, Message = "Routing knows {Count} sharded table(s) from the catalog")]
        public static partial void Loaded(ILogger logger, int count);

        [LoggerMessage(EventId = LogEventIds.ShardedTablesFailed, EventName = "ShardedTablesFailed", Level = LogLevel.Warning, Message = "Could not read datatier.sharded_tables from the catalog ({ExceptionType}); routing keeps the previous list")]
        public static partial void Failed(ILogger logger, string exceptionType);
    }
}
