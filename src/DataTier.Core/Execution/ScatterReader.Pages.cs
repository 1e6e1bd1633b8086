using DataTier.Core.Consistency;
using DataTier.Core.Errors;
using DataTier.Core.Sql.CrossShard;
using DataTier.Core.Sql.Tree;
using DataTier.Core.Topology;
using Npgsql;

namespace DataTier.Core.Execution;

/// <content>
/// Keyset pages of an ordered scatter read (<see cref="CrossShardPage"/>): each shard runs the statement restricted to rows
/// after the token, the parts are merged on the statement's ORDER BY, and the last row's sort key becomes the next token.
/// </content>
public sealed partial class ScatterReader
{
    /// <summary>Reads one page of at most <paramref name="size"/> rows after <paramref name="after"/> (null: the first page).</summary>
    /// <exception cref="DataTierException">The statement cannot be paged (<see cref="CrossShardRefusal.Code"/>), the token is invalid, or the page ends inside a run of equal sort keys.</exception>
    public async Task<ScatterOutcome> ReadPageAsync(IReadOnlyList<ShardDefinition> shards, BoundStatement statement, int size, string? after, ConsistencyLevel consistency, Func<string, ulong> minLsnFor, int timeoutMs, CancellationToken cancellationToken)
    {
        var topology = _topology.Current;
        object?[]? afterKey = after is null ? null : ScatterPageToken.Decode(after, statement.Fingerprint).SortKey;
        CrossShardPlan plan;
        try
        {
            plan = CrossShardPlanner.Plan(statement.Sql, await ShardedTablesAsync(cancellationToken).ConfigureAwait(false), new CrossShardPage(size, afterKey, statement.Parameters.Count + 1));
        }
        catch (PgQueryException e)
        {
            throw new DataTierException(DataTierErrorKind.BadRequest, CrossShardRefusal.Code, $"This statement cannot be paged: DataTier's parser does not read it ({e.Message}).");
        }

        var parameters = new List<NpgsqlParameter>(statement.Parameters);
        foreach (var value in afterKey ?? [])
        {
            if (value is not null)
            {
                parameters.Add(new NpgsqlParameter { Value = value });
            }
        }

        var (parts, _) = await ReadPartsAsync(shards, statement with { Sql = plan.ShardSql, Parameters = parameters }, allowPartial: false, consistency, minLsnFor, size + 1, timeoutMs, snapshotLsn: false, cancellationToken).ConfigureAwait(false);
        if (parts.Count == 0)
        {
            return new ScatterOutcome(QueryResult.Empty, [], []);
        }

        var merge = new CrossShardMerge(plan, [.. parts.Select(static p => (IShardRowStream)new ListShardRowStream(p.Result.Rows))], parts[0].Result.Columns.Length);
        var order = new CrossShardRowOrder(plan.Order, merge.Layout);
        var rows = new List<object?[]>(Math.Min(size, 1024));
        object?[]? last = null;
        string? next = null;
        while (await merge.ReadAsync(cancellationToken).ConfigureAwait(false) is { } row)
        {
            var whole = merge.LastRow!;
            if (rows.Count == size)
            {
                if (order.Compare(last!, whole) == 0)
                {
                    throw new DataTierException(
                        DataTierErrorKind.BadRequest,
                        "page-order-not-unique",
                        $"Page {size} ends inside a run of rows with the same sort key, so the next page could not start after it without skipping some. Make the ORDER BY unique (end it with a unique column, e.g. the primary key), or ask for a larger page.");
                }

                next = ScatterPageToken.Encode(statement.Fingerprint, topology.Version, [.. plan.Order.Select(k => Plain(last![merge.Layout.IndexOf(k.Column)]))]);
                break;
            }

            for (int i = 0; i < row.Length; i++)
            {
                if (row[i] is PgNumeric numeric)
                {
                    row[i] = ToDecimal(numeric);
                }
            }

            rows.Add(row);
            last = whole;
        }

        var columns = parts[0].Result.Columns[..merge.Layout.VisibleCount];
        return new ScatterOutcome(new QueryResult { Columns = columns, Rows = rows, Truncated = next is not null }, ShardResults(parts), []) { NextPage = next };
    }

    // The page's last row's sort value, as Npgsql read it (merge values such as PgNumeric become what the shards return).
    private static object? Plain(object? value) => value switch
    {
        PgNumeric numeric => ToDecimal(numeric),
        _ => value,
    };
}
