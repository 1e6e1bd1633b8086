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

    private static string Keyed(string sql, params NpgsqlParameter[] parameters) =>
        CacheKey.Compute("s1", new BoundStatement(sql, parameters, sql), 100, [("users", new TableVersion(1, 0))]);

    [Fact]
    public void Equal_statements_with_equal_values_share_a_key()
    {
        Assert.Equal(Keyed("select $1", new NpgsqlParameter<string> { TypedValue = "a", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text }),
            Keyed("select $1", new NpgsqlParameter<string> { TypedValue = "a", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text }));
    }

    [Fact]
    public void Values_that_differ_only_in_type_get_different_keys()
    {
        Assert.NotEqual(Keyed("select $1", new NpgsqlParameter<string> { TypedValue = "1", NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text }),
            Keyed("select $1", new NpgsqlParameter<long> { TypedValue = 1, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint }));
    }

    [Fact]
    public void A_statement_longer_than_the_first_buffer_is_keyed_by_all_of_its_text()
    {
        string longSql = "select 1 where " + string.Join(" and ", Enumerable.Range(0, 200).Select(i => $"{i} = {i}"));
        Assert.NotEqual(Keyed(longSql), Keyed(longSql + " and 1 = 1"));
        Assert.Equal(Keyed(longSql), Keyed(longSql));
    }
}
