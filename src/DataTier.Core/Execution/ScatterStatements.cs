using System.Globalization;
using System.Text;
using DataTier.Core.Sql;

namespace DataTier.Core.Execution;

/// <summary>What each shard runs for a fan-out read.</summary>
public static class ScatterStatements
{
    /// <summary>
    /// The statement each shard runs: with <paramref name="orderBy"/> or a limit, the caller's statement wrapped so
    /// each shard returns only its own first rows in the merge order.
    /// </summary>
    public static BoundStatement ForShard(BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int? limit, int maxRows) =>
        orderBy.Count > 0 || limit is not null ? Wrap(statement, orderBy, Math.Min(limit ?? maxRows, maxRows)) : statement;

    /// <summary>
    /// Makes the sharded tables' names resolve to their ownership views (<c>datatier_visible</c>) for one fan-out read,
    /// for the ring it routes by: a shard in a move then counts only the rows it owns. Ring fingerprints and shard ids
    /// hold no quote (ids are [a-z0-9_-], weights numbers), and are quoted anyway.
    /// </summary>
    public static IReadOnlyList<string> VisibilityPrelude(string ring, string shardId) =>
        ["SET LOCAL search_path = datatier_visible, public", $"SET LOCAL datatier.ring = {SqlQuoting.Literal(ring)}", $"SET LOCAL datatier.shard = {SqlQuoting.Literal(shardId)}"];

    /// <summary>
    /// <see cref="VisibilityPrelude"/> as one query, for a front end that runs the fan-out read in the same implicit
    /// transaction (the wire's extended protocol, before one Sync): <c>set_config(..., true)</c> lasts to its end.
    /// </summary>
    public static string VisibilityQuery(string ring, string shardId) =>
        $"select set_config('search_path', 'datatier_visible, public', true), set_config('datatier.ring', {SqlQuoting.Literal(ring)}, true), set_config('datatier.shard', {SqlQuoting.Literal(shardId)}, true)";

    /// <summary>
    /// The caller's statement inside a text <see cref="ForShard"/> wrapped (as sent, or as pg_stat_statements records it,
    /// constants replaced by <c>$n</c>), or null when <paramref name="sql"/> is not wrapped: the index advisor counts a
    /// wrapped fan-out read as the statement the caller sent, alongside its routed runs.
    /// </summary>
    public static string? Unwrap(string sql)
    {
        if (!sql.StartsWith(WrapStart, StringComparison.Ordinal))
        {
            return null;
        }

        int end = sql.LastIndexOf(WrapEnd, StringComparison.Ordinal);
        return end < WrapStart.Length ? null : sql[WrapStart.Length..end];
    }

    private const string WrapStart = "select * from (";
    private const string WrapEnd = "\n) as dt_scatter";

    private static BoundStatement Wrap(BoundStatement statement, IReadOnlyList<SortColumn> orderBy, int limit)
    {
        var sql = new StringBuilder(WrapStart).Append(statement.Sql).Append(WrapEnd);
        if (orderBy.Count > 0)
        {
            sql.Append(" order by ");
            for (int i = 0; i < orderBy.Count; i++)
            {
                if (i > 0)
                {
                    sql.Append(", ");
                }

                sql.Append(SqlQuoting.Identifier(orderBy[i].Column)).Append(orderBy[i].Descending ? " desc" : " asc");
            }
        }

        sql.Append(" limit ").Append(limit.ToString(CultureInfo.InvariantCulture));
        return statement with { Sql = sql.ToString() };
    }
}
