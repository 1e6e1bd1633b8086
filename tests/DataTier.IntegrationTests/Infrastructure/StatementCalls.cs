namespace DataTier.IntegrationTests.Infrastructure;

/// <summary>How often the shards' nodes ran a statement, from pg_stat_statements (EXPLAINs not counted).</summary>
public static class StatementCalls
{
    /// <summary>Calls summed over every shard node of the statements whose text contains <paramref name="marker"/>.</summary>
    public static async Task<long> CountAsync(ClusterFixture fixture, string marker)
    {
        long calls = 0;
        foreach (var node in fixture.Cluster.Nodes.Where(n => n.ShardId is not null))
        {
            calls += await Db.ScalarAsync<long>(node.AdminConnectionString,
                "select coalesce(sum(calls), 0)::bigint from pg_stat_statements where query like @q and query not ilike 'explain%'", ("q", $"%{marker}%"));
        }

        return calls;
    }
}
