using DataTier.Core.Topology;
using DataTier.Postgres.Backends;
using DataTier.Postgres.CrossShard;
using DataTier.Postgres.Protocol;

namespace DataTier.Postgres.Sessions;

/// <content>
/// Writes split across shards (a multi-row INSERT, a COPY): one backend per shard on its primary, each shard's part in a
/// transaction of its own, committed one shard after the other only once every shard's part succeeded. A failure before
/// the first COMMIT rolls every shard back; a COMMIT that fails after another shard committed is the non-atomic window,
/// reported to the client with the shards that committed (docs/cross-shard.md, "Writes across shards").
/// </content>
internal sealed partial class ClientSession
{
    /// <summary>Leases a backend on <paramref name="shard"/>'s primary for one shard's part of a split write.</summary>
    private async Task<ShardWriteLeg> OpenWriteLegAsync(ShardDefinition shard, string kind, CancellationToken cancellationToken)
    {
        var node = shard.Primary;
        var pool = _services.Pools.Get(node);
        var backend = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        _services.Metrics.StatementsFor(kind, "split", primary: true).Inc();
        return new ShardWriteLeg(shard, backend, pool, _services.ReadRouter.Outstanding.Begin(node.Id), _services.Options.BackendIoTimeoutMs);
    }

    /// <summary>Flushes every leg's messages, then reads every leg's answers: the shards work side by side.</summary>
    private static async Task ExchangeAsync(List<ShardWriteLeg> legs, bool untilCopyIn, CancellationToken cancellationToken)
    {
        foreach (var leg in legs)
        {
            await leg.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var leg in legs)
        {
            await leg.ReadAsync(untilCopyIn, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Rolls back every leg whose transaction is open; a broken leg's transaction ends with its connection.</summary>
    private static async Task RollbackAllAsync(List<ShardWriteLeg> legs, CancellationToken cancellationToken)
    {
        var open = legs.Where(static l => l.AtReady && l.Status != TransactionStatus.Idle).ToList();
        foreach (var leg in open)
        {
            leg.WriteQuery("ROLLBACK");
        }

        try
        {
            await ExchangeAsync(open, untilCopyIn: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or BackendException)
        {
            // That leg is marked broken: its connection is closed, which rolls its transaction back.
        }
    }

    /// <summary>
    /// Commits the legs one after the other; null when all committed. When a COMMIT fails, the legs after it are rolled
    /// back, and the error says which shards had committed already (nothing is undone there).
    /// </summary>
    private static async Task<PostgresErrorFields?> CommitAllAsync(List<ShardWriteLeg> legs, string what, CancellationToken cancellationToken)
    {
        for (int i = 0; i < legs.Count; i++)
        {
            var leg = legs[i];
            bool broken = false;
            leg.WriteQuery("COMMIT");
            try
            {
                await leg.FlushAsync(cancellationToken).ConfigureAwait(false);
                await leg.ReadAsync(untilCopyIn: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or BackendException)
            {
                leg.Backend.IsBroken = true;
                broken = true;
            }

            if (!broken && leg.Error is null && leg.Status == TransactionStatus.Idle)
            {
                continue;
            }

            var rest = legs.Skip(i + 1).ToList();
            await RollbackAllAsync(rest, cancellationToken).ConfigureAwait(false);
            string committed = i == 0 ? "no shard" : "shard" + (i > 1 ? "s " : " ") + string.Join(", ", legs.Take(i).Select(static l => l.Shard.Id));
            string rolledBack = rest.Count == 0 ? "" : $"; shard{(rest.Count > 1 ? "s" : "")} {string.Join(", ", rest.Select(static l => l.Shard.Id))} rolled back";
            string code = broken ? SqlState.StatementCompletionUnknown : leg.ErrorCode ?? SqlState.InternalError;
            string outcome = broken ? $"the connection to shard {leg.Shard.Id} broke during its COMMIT, so whether its rows committed is unknown" : $"COMMIT failed on shard {leg.Shard.Id}";
            return PostgresErrorFields.Error(code, $"{what}: {outcome}; {committed} had committed{rolledBack}. A write split across shards is not atomic between the commits.")
                with { Hint = "Check which rows exist before retrying: the rows of the shards that committed are there." };
        }

        return null;
    }

    /// <summary>After the commits: the LSN of each shard and the cache invalidation of what the write changed.</summary>
    private async Task RecordSplitWriteAsync(List<ShardWriteLeg> legs, List<string> tables, CancellationToken cancellationToken)
    {
        foreach (var leg in legs)
        {
            await RecordWriteAsync(leg.Backend, leg.Shard.Id, tables, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ReleaseLegsAsync(List<ShardWriteLeg> legs)
    {
        foreach (var leg in legs)
        {
            await leg.ReleaseAsync().ConfigureAwait(false);
        }
    }
}
