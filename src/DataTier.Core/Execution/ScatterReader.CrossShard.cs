using DataTier.Core.Consistency;
using DataTier.Core.Errors;
using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;

namespace DataTier.Core.Execution;

/// <content>
/// Scatter reads whose statement needs merging (its own ORDER BY, LIMIT/OFFSET, DISTINCT, aggregates, GROUP BY,
/// HAVING): each shard runs the cross-shard plan's statement and the parts are merged by the plan, as the wire front end
/// does. The request's explicit <c>orderBy</c>/<c>limit</c> still apply, to the merged answer.
/// </content>
public sealed partial class ScatterReader
{
    /// <summary>The statement's merge plan, or null when the old path answers it (the rows concatenated or merged by the request's orderBy).</summary>
    private static CrossShardPlan? PlanMerge(BoundStatement statement, ShardedTableLookup? sharded)
    {
        CrossShardPlan plan;
        try
        {
            plan = CrossShardPlanner.Plan(statement.Sql, sharded);
        }
        catch (PgQueryException)
        {
            // Not PostgreSQL syntax DataTier's parser reads: the shards report the error in their own words.
            return null;
        }

        return plan.Mode == CrossShardMode.Concatenate ? null : plan;
    }

    private async Task<ScatterOutcome> ReadMergedAsync(CrossShardPlan plan, IReadOnlyList<ShardDefinition> shards, BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, bool allowPartial, ConsistencyLevel consistency, Func<string, ulong> minLsnFor, int maxRows, int timeoutMs, bool snapshotLsn, CancellationToken cancellationToken)
    {
        int perShardLimit = plan.ShardLimit is { } shardLimit ? (int)Math.Min(shardLimit, maxRows) : maxRows;
        var (parts, failures) = await ReadPartsAsync(shards, statement with { Sql = plan.ShardSql }, allowPartial, consistency, minLsnFor, perShardLimit, timeoutMs, snapshotLsn, cancellationToken).ConfigureAwait(false);
        foreach (var part in parts)
        {
            if (part.Result.Truncated && perShardLimit == maxRows)
            {
                throw new DataTierException(
                    DataTierErrorKind.BadRequest,
                    "result-too-large",
                    $"Shard {part.ShardId} returned more than {maxRows} rows for this merged read (its groups, or its rows before OFFSET and LIMIT), so the merged answer would be incomplete. Filter the read, or raise maxRows (currently {maxRows}).");
            }
        }

        if (parts.Count == 0)
        {
            return new ScatterOutcome(QueryResult.Empty, [], failures);
        }

        var streams = parts.Select(static p => (IShardRowStream)new ListShardRowStream(p.Result.Rows)).ToArray();
        var merge = new CrossShardMerge(plan, streams, parts[0].Result.Columns.Length);
        var rows = new List<object?[]>();
        while (await merge.ReadAsync(cancellationToken).ConfigureAwait(false) is { } row)
        {
            for (int i = 0; i < row.Length; i++)
            {
                // Npgsql reads numeric as decimal; the merge computes numeric exactly and hands it back the same way.
                if (row[i] is PgNumeric numeric)
                {
                    row[i] = ToDecimal(numeric);
                }
            }

            rows.Add(row);
        }

        var columns = parts[0].Result.Columns[..merge.Layout.VisibleCount];
        if (orderBy.Count > 0)
        {
            rows = SortByRequest(rows, columns, orderBy);
        }

        int cap = Math.Min(limit ?? maxRows, maxRows);
        bool truncated = rows.Count > cap;
        if (truncated)
        {
            rows.RemoveRange(cap, rows.Count - cap);
        }

        return new ScatterOutcome(new QueryResult { Columns = columns, Rows = rows, Truncated = truncated }, ShardResults(parts), failures);
    }

    private static decimal ToDecimal(PgNumeric numeric)
    {
        try
        {
            return numeric.ToDecimal();
        }
        catch (OverflowException)
        {
            throw new DataTierException(
                DataTierErrorKind.BadRequest,
                CrossShardRefusal.Code,
                $"Cross-shard read refused: the merged numeric {numeric} cannot be merged exactly across shards (the HTTP API returns numeric values as .NET decimals, which hold 28 digits). {CrossShardRefusal.Advice}");
        }
    }

    /// <summary>The request's explicit orderBy over the merged answer (a stable sort, so the statement's own order breaks ties).</summary>
    private static List<object?[]> SortByRequest(List<object?[]> rows, string[] columns, IReadOnlyList<SortColumn> orderBy)
    {
        var indexes = new int[orderBy.Count];
        for (int i = 0; i < indexes.Length; i++)
        {
            indexes[i] = Array.IndexOf(columns, orderBy[i].Column);
            if (indexes[i] < 0)
            {
                throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-order-by", $"orderBy names column '{orderBy[i].Column}', which the statement does not return.");
            }
        }

        var comparer = new RowComparer(indexes, [.. orderBy.Select(static o => o.Descending)]);
        return [.. rows.Order(comparer)];
    }
}
