using DataTier.Core.Diagnostics;
using DataTier.Core.Execution;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Idempotency;

/// <summary>
/// Deletes idempotency keys older than <see cref="DataApiOptions.IdempotencyRetentionHours"/> on every shard primary,
/// every few minutes. Every instance sweeps: a delete of expired rows is the same whoever runs it, and two instances
/// sweeping at once only find less to delete. A shard out of reach is skipped until the next round.
/// </summary>
public sealed partial class IdempotencySweeper : BackgroundService
{
    /// <summary>Time between sweeps: keys outlive the retention by at most about this much.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    // Bounded batches keep each delete's locks and WAL small beside the write load; the sweep loops until a batch
    // comes back short. The database's clock decides, as it stamped created_at.
    private const int BatchRows = 5000;
    private const string SweepSql =
        """
        delete from datatier_idempotency.keys where ctid = any (array(
          select ctid from datatier_idempotency.keys where created_at < now() - make_interval(hours => $1) limit $2))
        """;

    private readonly ITopologyProvider _topology;
    private readonly NodeDataSources _dataSources;
    private readonly DataApiOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<IdempotencySweeper> _logger;

    /// <summary>Creates the sweeper.</summary>
    public IdempotencySweeper(ITopologyProvider topology, NodeDataSources dataSources, IOptions<DataApiOptions> options, TimeProvider time, ILogger<IdempotencySweeper> logger)
    {
        _topology = topology;
        _dataSources = dataSources;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Sweeps every shard primary once; returns the keys deleted (shards that failed count 0).</summary>
    public async Task<long> SweepAsync(CancellationToken cancellationToken)
    {
        var topology = _topology.Current;
        long total = 0;
        foreach (var shard in topology.Shards.Concat(topology.PendingShards))
        {
            try
            {
                long deleted = await SweepShardAsync(shard, cancellationToken).ConfigureAwait(false);
                total += deleted;
                if (deleted > 0)
                {
                    Log.Swept(_logger, shard.Id, deleted, _options.IdempotencyRetentionHours);
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or Errors.DataTierException or TimeoutException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Log.SweepFailed(_logger, shard.Id, ex.GetType().Name, ex is PostgresException pg ? pg.SqlState : "");
            }
        }

        return total;
    }

    private async Task<long> SweepShardAsync(ShardDefinition shard, CancellationToken cancellationToken)
    {
        await using var lease = await _dataSources.OpenDataPathAsync(shard.Primary, cancellationToken).ConfigureAwait(false);
        long deleted = 0;
        while (true)
        {
            await using var command = new NpgsqlCommand(SweepSql, lease.Connection);
            command.Parameters.Add(new NpgsqlParameter { Value = _options.IdempotencyRetentionHours });
            command.Parameters.Add(new NpgsqlParameter { Value = BatchRows });
            int batch = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            deleted += batch;
            if (batch < BatchRows)
            {
                return deleted;
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = LogEventIds.IdempotencyKeysSwept, EventName = "IdempotencyKeysSwept", Level = LogLevel.Information, Message = "Deleted {Count} idempotency keys older than {RetentionHours} h on shard {ShardId}")]
        public static partial void Swept(ILogger logger, string shardId, long count, int retentionHours);

        [LoggerMessage(EventId = LogEventIds.IdempotencySweepFailed, EventName = "IdempotencySweepFailed", Level = LogLevel.Warning, Message = "Idempotency key sweep of shard {ShardId} failed ({ExceptionType} {SqlState}); the next round tries again")]
        public static partial void SweepFailed(ILogger logger, string shardId, string exceptionType, string sqlState);
    }
}
