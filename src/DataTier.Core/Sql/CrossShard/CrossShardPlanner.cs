using System.Text.Json;
using DataTier.Core.Sql.Tree;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Plans a key-less read of sharded tables: what each shard runs and how DataTier merges the answers (see
/// docs/cross-shard.md). A statement whose answer cannot be merged exactly is refused with
/// <see cref="CrossShardRefusal"/>, naming the construct; it is never answered wrongly.
/// </summary>
internal static class CrossShardPlanner
{
    /// <summary>Plans one SELECT (PostgreSQL syntax, <c>$n</c> parameters).</summary>
    /// <param name="sql">The statement.</param>
    /// <param name="page">A keyset page to plan (ORDER BY required, no LIMIT/OFFSET, no aggregates); null: the whole answer.</param>
    /// <param name="sharded">The sharded tables and their keys: a join runs on every shard only when it equates the keys of all of them; null when the catalog cannot say, and then every join is refused.</param>
    /// <exception cref="Errors.DataTierException">A construct that cannot be merged (<see cref="CrossShardRefusal.Code"/>).</exception>
    /// <exception cref="PgQueryException">The text does not parse.</exception>
    public static CrossShardPlan Plan(string sql, ShardedTableLookup? sharded, CrossShardPage? page = null)
    {
        var input = PgQueryInput.Create(sql);
        using var document = JsonDocument.Parse(PgQuery.ParseToJson(input), PgSqlAnalyzer.JsonOptions);
        var statements = PgJson.Items(document.RootElement, "stmts").ToArray();
        if (statements.Length != 1)
        {
            throw CrossShardRefusal.Create("a text of several statements", "each statement is planned on its own");
        }

        var node = statements[0].GetProperty("stmt");
        if (!PgJson.IsNode(node, "SelectStmt", out var select))
        {
            throw CrossShardRefusal.Create("a statement other than SELECT", "only reads run on every shard");
        }

        return new CrossShardPlanBuilder(sql, input, select, sharded, page).Build();
    }
}
