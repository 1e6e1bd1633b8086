using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Frozen;
using DataTier.Core.Ownership;
using DataTier.Core.Topology;
using DataTier.Postgres.Protocol;
using DataTier.Postgres.Routing;
using DataTier.Postgres.Sessions;

namespace DataTier.Postgres.Tests.Routing;

public sealed class WireRouterTests
{
    private static readonly TopologySnapshot Topology = TopologySnapshot.FromOptions(new TopologyOptions
    {
        Shards =
        [
            new ShardOptions { Id = "s2", Primary = "Host=10.0.0.2;Username=u;Database=d" },
            new ShardOptions { Id = "s1", Primary = "Host=10.0.0.1;Username=u;Database=d" },
        ],
    });

    private static readonly ShardedTables.Snapshot Tables =
        new(new Dictionary<string, string> { ["tasks"] = "team_id", ["users"] = "team_id" }.ToFrozenDictionary(), 1, 0);

    private static StatementRoute Route(string sql, string? sessionKey = null, BindMessage? bind = null, uint[]? types = null)
    {
        var statement = new StatementAnalyses().Analyze(sql, Tables).Statements[0];
        return WireRouter.Route(Topology, statement, statement.Analysis, sessionKey, bind, types ?? []);
    }

    [Fact]
    public void Designated_shard_is_the_first_by_id() => Assert.Equal("s1", WireRouter.Designated(Topology).Id);

    [Fact]
    public void Constant_key_routes_to_the_rings_owner()
    {
        var route = Route("select * from tasks where team_id = 'team-42'");
        Assert.Equal(RouteKind.Shard, route.Kind);
        Assert.Equal(Topology.Route("team-42").Id, route.Shard!.Id);
        Assert.Equal("auto", route.Source);
        Assert.False(route.Writes);
    }

    [Fact]
    public void Session_key_wins_over_the_statements_own_key()
    {
        string other = Enumerable.Range(0, 100).Select(i => $"k{i}").First(k => Topology.Route(k).Id != Topology.Route("team-42").Id);
        var route = Route("select * from tasks where team_id = 'team-42'", sessionKey: other);
        Assert.Equal(Topology.Route(other).Id, route.Shard!.Id);
        Assert.Equal("key", route.Source);
    }

    [Fact]
    public void Comment_hint_routes_a_statement_without_a_key_condition()
    {
        var route = Route("/* shard_key='team-9' */ select count(*) from tasks");
        Assert.Equal(Topology.Route("team-9").Id, route.Shard!.Id);
        Assert.Equal("hint", route.Source);
    }

    [Fact]
    public void Statement_without_a_sharded_table_runs_on_any_shard() =>
        Assert.Equal(RouteKind.AnyShard, Route("select n.nspname from pg_catalog.pg_namespace n").Kind);

    [Fact]
    public void Transaction_control_is_neutral() => Assert.Equal(RouteKind.Neutral, Route("begin isolation level serializable").Kind);

    [Fact]
    public void Keyless_write_is_refused_with_0A000_naming_the_table()
    {
        var error = Assert.Throws<WireException>(() => Route("delete from tasks where status = 'done'"));
        Assert.Equal(SqlState.FeatureNotSupported, error.SqlState);
        Assert.Contains("tasks", error.Message);
        Assert.Contains("shard_key", error.Hint);
    }

    [Fact]
    public void Keyless_filter_of_one_table_fans_out_to_every_shard()
    {
        var route = Route("select task_id, title from tasks where priority > 3");
        Assert.Equal(RouteKind.AllShards, route.Kind);
        Assert.False(route.Writes);
        Assert.False(route.NeedsPrimary);
    }

    [Theory]
    [InlineData("select count(*) from tasks")]
    [InlineData("select title from tasks order by title")]
    [InlineData("select title from tasks limit 5")]
    [InlineData("select distinct status from tasks")]
    [InlineData("select status from tasks group by status")]
    [InlineData("select t.title from tasks t join users u on u.team_id = t.team_id order by t.title")]
    public void Keyless_read_whose_answer_needs_merging_fans_out_with_a_merge_plan(string sql)
    {
        var route = Route(sql);
        Assert.Equal(RouteKind.AllShards, route.Kind);
        Assert.NotNull(route.Merge);
    }

    [Theory]
    [InlineData("select title, row_number() over (order by priority) from tasks", "window function")]
    [InlineData("select t.title from tasks t join users u on u.user_id = t.user_id", "join")]
    [InlineData("select title from tasks where user_id in (select user_id from users)", "subquery")]
    [InlineData("select title from tasks union select email from users", "set operation")]
    public void Keyless_read_whose_answer_cannot_be_merged_is_refused_naming_the_construct(string sql, string construct)
    {
        var error = Assert.Throws<WireException>(() => Route(sql));
        Assert.Equal(SqlState.FeatureNotSupported, error.SqlState);
        Assert.Contains(construct, error.Message);
    }

    [Fact]
    public void Keyless_read_that_locks_rows_is_refused()
    {
        var error = Assert.Throws<WireException>(() => Route("select * from tasks for update"));
        Assert.Equal(SqlState.FeatureNotSupported, error.SqlState);
    }

    [Fact]
    public void Keys_on_two_shards_are_refused()
    {
        var (a, b) = KeysOnTwoShards();
        var error = Assert.Throws<WireException>(() => Route($"select * from tasks where team_id in ('{a}', '{b}')"));
        Assert.Equal(SqlState.FeatureNotSupported, error.SqlState);
    }

    [Fact]
    public void Multi_row_insert_with_rows_on_two_shards_is_split()
    {
        var (a, b) = KeysOnTwoShards();
        var route = Route($"insert into tasks (team_id, title) values ('{a}', 'x'), ('{b}', 'y')");
        Assert.Equal(RouteKind.SplitInsert, route.Kind);
        Assert.True(route.Writes);
    }

    [Fact]
    public void Insert_routes_by_its_key_value_and_writes()
    {
        var route = Route("insert into users (team_id, user_id) values ('team-5', 1)");
        Assert.Equal(Topology.Route("team-5").Id, route.Shard!.Id);
        Assert.True(route.Writes);
        Assert.True(route.NeedsPrimary);
    }

    [Fact]
    public void Text_parameter_from_bind_routes()
    {
        var bind = Bind(FormatCode.Text, "team-77"u8.ToArray());
        var route = Route("select * from tasks where team_id = $1", bind: bind);
        Assert.Equal(Topology.Route("team-77").Id, route.Shard!.Id);
    }

    [Fact]
    public void Parameter_zero_as_the_key_is_refused_with_0A000()
    {
        var error = Assert.Throws<WireException>(() => Route("select * from tasks where team_id = $0", bind: Bind(FormatCode.Text, "team-77"u8.ToArray())));
        Assert.Equal(SqlState.FeatureNotSupported, error.SqlState);
    }

    [Fact]
    public void Binary_int8_parameter_routes_by_its_decimal_text()
    {
        var value = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(value, 1234567890123);
        var route = Route("select * from tasks where team_id = $1", bind: Bind(FormatCode.Binary, value), types: [20]);
        Assert.Equal(Topology.Route("1234567890123").Id, route.Shard!.Id);
    }

    [Fact]
    public void Null_key_parameter_is_refused()
    {
        var bind = Bind(FormatCode.Text, null);
        Assert.Equal(SqlState.FeatureNotSupported, Assert.Throws<WireException>(() => Route("select * from tasks where team_id = $1", bind: bind)).SqlState);
    }

    private static (string, string) KeysOnTwoShards()
    {
        string a = "team-1";
        string b = Enumerable.Range(2, 100).Select(i => $"team-{i}").First(k => Topology.Route(k).Id != Topology.Route(a).Id);
        return (a, b);
    }

    private static BindMessage Bind(FormatCode format, byte[]? value)
    {
        var output = new ArrayBufferWriter<byte>();
        FrontendMessageWriter.WriteBind(output, "", "", [format], [value is null ? null : (ReadOnlyMemory<byte>?)value], []);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.True(new FrontendMessageReader().TryReadMessage(ref buffer, out var message));
        return FrontendMessageDecoder.DecodeBind(message);
    }
}
