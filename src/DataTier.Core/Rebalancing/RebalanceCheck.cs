using System.Text.Json;
using DataTier.Core.Catalog;
using DataTier.Core.Diagnostics;
using DataTier.Core.Nodes;
using DataTier.Core.Topology;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataTier.Core.Rebalancing;

/// <summary>
/// Measures the routed shards and, when the most loaded exceeds the mean by the threshold, records a proposal of
/// desired weights in the catalog (superseding older open proposals); applies it to the desired topology at once when
/// <see cref="RebalancingOptions.AutoApply"/> is on, else waits for approval. Applying changes desired weights only:
/// rows move when a rebalancing plan is executed.
/// </summary>
public sealed class RebalanceCheck(
    IServiceProvider services,
    CatalogDatabase catalog,
    NodeDataSources nodes,
    DataTierMetrics metrics,
    IOptions<RebalancingOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What one check found: the loads, the imbalance, and the proposal it recorded (null when balanced).</summary>
    public sealed record Outcome(long TopologyVersion, double Imbalance, IReadOnlyList<ShardLoad> Loads, RebalanceProposal? Proposal);

    /// <summary>Measures and, if out of balance, records (and maybe applies) a proposal.</summary>
    public async Task<Outcome> RunAsync(string instance, CancellationToken cancellationToken)
    {
        var provider = Provider();
        var snapshot = provider.Current;
        var tables = await ShardedTableNamesAsync(cancellationToken).ConfigureAwait(false);
        var measured = new List<(string, double, long, long, long)>();
        foreach (var shard in snapshot.Shards)
        {
            await using var conn = await nodes.Get(shard.Primary).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            var size = await conn.QuerySingleAsync<ShardSize>(new CommandDefinition(
                """
                select coalesce(sum(greatest(c.reltuples, 0)), 0)::int8 as Rows, coalesce(sum(pg_table_size(c.oid)), 0)::int8 as Bytes
                from unnest(@t::text[]) t join pg_class c on c.oid = to_regclass(quote_ident(t))
                """, new { t = tables }, commandTimeout: 30, cancellationToken: cancellationToken)).ConfigureAwait(false);
            measured.Add((shard.Id, shard.Weight, size.Rows, size.Bytes, Requests(shard.Id)));
        }

        var loads = RebalanceProposer.Loads(measured);
        double imbalance = RebalanceProposer.Imbalance(loads);
        if (RebalanceProposer.Propose(loads, options.Value.Threshold) is not { } weights)
        {
            return new Outcome(snapshot.Version, imbalance, loads, null);
        }

        long id;
        await using (var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false))
        await using (var tx = await conn.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            await using (var supersede = new NpgsqlCommand("update datatier.rebalance_proposals set status = 'superseded', decided_at = now() where status = 'proposed'", conn, tx))
            {
                await supersede.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var insert = new NpgsqlCommand(
                "insert into datatier.rebalance_proposals (instance, topology_version, imbalance, loads, weights) values (@i, @v, @m, @l::jsonb, @w::jsonb) returning id", conn, tx);
            insert.Parameters.AddWithValue("i", instance);
            insert.Parameters.AddWithValue("v", snapshot.Version);
            insert.Parameters.AddWithValue("m", imbalance);
            insert.Parameters.AddWithValue("l", JsonSerializer.Serialize(loads, Json));
            insert.Parameters.AddWithValue("w", JsonSerializer.Serialize(weights, Json));
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        var proposal = options.Value.AutoApply
            ? await ApproveAsync(id, run: true, cancellationToken).ConfigureAwait(false)
            : await FindAsync(id, cancellationToken).ConfigureAwait(false);
        return new Outcome(snapshot.Version, imbalance, loads, proposal);
    }

    /// <summary>
    /// Applies an open proposal's weights to the desired topology and marks it approved; with <paramref name="run"/>,
    /// also starts the move that carries them out (what automatic application does).
    /// </summary>
    public async Task<RebalanceProposal> ApproveAsync(long id, bool run, CancellationToken cancellationToken)
    {
        var provider = Provider();
        var proposal = await FindAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new TopologyChangeException("unknown-proposal", $"There is no rebalancing proposal {id}.");
        if (proposal.Status != "proposed")
        {
            throw new TopologyChangeException("proposal-closed", $"Proposal {id} is {proposal.Status}; only an open proposal can be approved.", conflict: true);
        }

        var store = services.GetRequiredService<CatalogTopologyStore>();
        var (version, _) = await store.ChangeAsync(doc => proposal.Weights.Aggregate(doc, (d, w) =>
            d.Shards.Any(s => s.Id == w.Key) ? TopologyChanges.SetWeight(d, w.Key, w.Value) : d), cancellationToken).ConfigureAwait(false);
        await provider.RefreshAsync(cancellationToken).ConfigureAwait(false);
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(
            "update datatier.rebalance_proposals set status = 'approved', decided_at = now(), applied_version = @v where id = @id and status = 'proposed'", conn);
        cmd.Parameters.AddWithValue("v", version);
        cmd.Parameters.AddWithValue("id", id);
        if (await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
        {
            throw new TopologyChangeException("proposal-closed", $"Proposal {id} was decided while it was being applied.", conflict: true);
        }

        var approved = (await FindAsync(id, cancellationToken).ConfigureAwait(false))!;
        if (!run)
        {
            return approved;
        }

        try
        {
            var move = await services.GetRequiredService<Moves.RebalanceMoves>().StartAsync(null, cancellationToken).ConfigureAwait(false);
            return approved with { MoveId = move.Id };
        }
        catch (TopologyChangeException ex)
        {
            // The weights are applied either way; the move can be started later (POST /admin/rebalance).
            return approved with { MoveError = $"{ex.Code}: {ex.Message}" };
        }
    }

    /// <summary>The newest proposals, newest first.</summary>
    public async Task<IReadOnlyList<RebalanceProposal>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await conn.QueryAsync<ProposalRow>(new CommandDefinition(
            Select + " order by id desc limit @n", new { n = limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToProposal).ToList();
    }

    private const string Select =
        "select id as Id, created_at as CreatedAt, instance as Instance, topology_version as TopologyVersion, imbalance as Imbalance, " +
        "loads::text as Loads, weights::text as Weights, status as Status, applied_version as AppliedVersion from datatier.rebalance_proposals";

    private async Task<RebalanceProposal?> FindAsync(long id, CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await conn.QuerySingleOrDefaultAsync<ProposalRow>(new CommandDefinition(
            Select + " where id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : ToProposal(row);
    }

    private static RebalanceProposal ToProposal(ProposalRow row) => new(
        row.Id,
        new DateTimeOffset(row.CreatedAt),
        row.Instance,
        row.TopologyVersion,
        row.Imbalance,
        JsonSerializer.Deserialize<List<ShardLoad>>(row.Loads, Json)!,
        JsonSerializer.Deserialize<Dictionary<string, double>>(row.Weights, Json)!,
        row.Status,
        row.AppliedVersion);

    private CatalogTopologyProvider Provider() =>
        services.GetService<CatalogTopologyProvider>()
        ?? throw new TopologyChangeException("topology-not-in-catalog", "Rebalancing needs the topology in the catalog (DataTier:Topology:Store = Catalog).", conflict: true);

    private async Task<string[]> ShardedTableNamesAsync(CancellationToken cancellationToken)
    {
        await using var conn = await catalog.OpenAsync(cancellationToken).ConfigureAwait(false);
        var names = await conn.QueryAsync<string>(new CommandDefinition(
            "select table_name from datatier.sharded_tables order by 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. names];
    }

    // Reads and writes this instance sent the shard since it started (the histograms' counts).
    private long Requests(string shardId)
    {
        long count = 0;
        foreach (string role in new[] { "primary", "replica" })
        {
            foreach (string kind in new[] { "read", "write" })
            {
                count += metrics.QueryDuration.WithLabels(shardId, role, kind).Count;
            }
        }

        return count;
    }
}
