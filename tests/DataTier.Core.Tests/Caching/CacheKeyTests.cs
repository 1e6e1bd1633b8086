using DataTier.Core.Caching;
using DataTier.Core.Execution;
using Npgsql;

namespace DataTier.Core.Tests.Caching;

public sealed class CacheKeyTests
{
    private static readonly BoundStatement Statement = new("select * from users where team_id = $1", [new NpgsqlParameter { Value = "team-1" }], "select * from users where team_id = $1");

    private static string Scatter(params (string Shard, string Table, long Version)[] versions) =>
        CacheKey.ComputeScatter(versions.Select(v => v.Shard).Distinct().ToList(), Statement, 100, versions.Select(v => (v.Shard, v.Table, new TableVersion(v.Version, 0))).ToList());

    [Fact]
    public void A_scatter_key_changes_when_any_shards_table_version_changes()
    {
        string before = Scatter(("s1", "users", 1), ("s2", "users", 1));
        Assert.Equal(before, Scatter(("s1", "users", 1), ("s2", "users", 1)));
        Assert.NotEqual(before, Scatter(("s1", "users", 1), ("s2", "users", 2)));
        Assert.NotEqual(before, Scatter(("s1", "users", 2), ("s2", "users", 1)));
    }

    [Fact]
    public void A_scatter_key_depends_on_which_shard_holds_which_version()
    {
        Assert.NotEqual(Scatter(("s1", "users", 1), ("s2", "users", 2)), Scatter(("s1", "users", 2), ("s2", "users", 1)));
        Assert.NotEqual(Scatter(("s1", "users", 1), ("s2", "users", 1)), Scatter(("s1", "users", 1), ("s2", "users", 1), ("s3", "users", 1)));
    }

    [Fact]
    public void A_scatter_key_never_equals_a_keyed_reads_key()
    {
        string keyed = CacheKey.Compute("s1", Statement, 100, [("users", new TableVersion(1, 0))]);
        Assert.NotEqual(keyed, Scatter(("s1", "users", 1)));
    }

    [Fact]
    public void Shard_ids_cannot_run_into_each_other()
    {
        // "s1,s2" as one shard against "s1" and "s2": length prefixes keep them apart.
        Assert.NotEqual(Scatter(("s1,s2", "users", 1)), Scatter(("s1", "users", 1), ("s2", "users", 1)));
    }
}
