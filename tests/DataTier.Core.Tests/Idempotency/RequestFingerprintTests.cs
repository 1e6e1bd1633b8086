using System.Data;
using System.Text.Json;
using DataTier.Core.Idempotency;

namespace DataTier.Core.Tests.Idempotency;

public sealed class RequestFingerprintTests
{
    private const string Insert = "insert into teams (team_id, name) values (@id, @name)";

    private static byte[] Of(string sql, string? parameters, string kind = "execute", string shardKey = "team-1", IsolationLevel isolation = IsolationLevel.ReadCommitted)
    {
        using var doc = parameters is null ? null : JsonDocument.Parse(parameters);
        return RequestFingerprint.Compute(kind, shardKey, isolation, [new RequestStatement(sql, doc?.RootElement ?? default)]);
    }

    [Fact]
    public void The_same_request_has_the_same_32_byte_fingerprint()
    {
        byte[] first = Of(Insert, """{"id": "t1", "name": "A"}""");
        Assert.Equal(32, first.Length);
        Assert.Equal(first, Of(Insert, """{"id": "t1", "name": "A"}"""));
    }

    [Fact]
    public void Parameter_order_whitespace_and_string_escapes_do_not_change_it()
    {
        Assert.Equal(Of(Insert, """{"id": "t1", "name": "A"}"""), Of(Insert, """{ "name" : "\u0041",   "id":"t1" }"""));
    }

    [Fact]
    public void Nested_objects_are_compared_by_content_not_member_order()
    {
        Assert.Equal(Of(Insert, """{"id": {"a": 1, "b": [1, {"y": 2, "x": 1}]}}"""), Of(Insert, """{"id": {"b": [1, {"x": 1, "y": 2}], "a": 1}}"""));
    }

    [Fact]
    public void Absent_and_null_parameters_are_the_same_request()
    {
        Assert.Equal(Of("delete from teams where false", null), Of("delete from teams where false", "null"));
    }

    [Theory]
    [InlineData("""{"id": "t1", "name": "B"}""")]
    [InlineData("""{"id": "t1", "name": "A", "extra": 1}""")]
    [InlineData("""{"id": "t1", "name": ["A"]}""")]
    [InlineData("""{"id": "t1"}""")]
    public void A_different_parameter_value_changes_it(string other)
    {
        Assert.NotEqual(Of(Insert, """{"id": "t1", "name": "A"}"""), Of(Insert, other));
    }

    [Fact]
    public void Numbers_keep_their_text_because_1_and_1_point_0_may_bind_differently()
    {
        Assert.NotEqual(Of(Insert, """{"id": 1}"""), Of(Insert, """{"id": 1.0}"""));
    }

    [Fact]
    public void The_sql_endpoint_kind_shard_key_and_isolation_each_change_it()
    {
        byte[] baseline = Of(Insert, """{"id": "t1"}""");
        Assert.NotEqual(baseline, Of(Insert + " ", """{"id": "t1"}"""));
        Assert.NotEqual(baseline, Of(Insert, """{"id": "t1"}""", kind: "transaction"));
        Assert.NotEqual(baseline, Of(Insert, """{"id": "t1"}""", shardKey: "team-2"));
        Assert.NotEqual(baseline, Of(Insert, """{"id": "t1"}""", isolation: IsolationLevel.Serializable));
    }

    [Fact]
    public void Fields_are_length_prefixed_so_text_moved_between_them_is_a_different_request()
    {
        Assert.NotEqual(Of("c", null, shardKey: "ab"), Of("bc", null, shardKey: "a"));
    }

    [Fact]
    public void A_transaction_differs_from_the_same_statements_in_another_order_or_split_differently()
    {
        RequestStatement A(string sql) => new(sql, default);
        byte[] ab = RequestFingerprint.Compute("transaction", "k", IsolationLevel.ReadCommitted, [A("a"), A("b")]);
        Assert.NotEqual(ab, RequestFingerprint.Compute("transaction", "k", IsolationLevel.ReadCommitted, [A("b"), A("a")]));
        Assert.NotEqual(ab, RequestFingerprint.Compute("transaction", "k", IsolationLevel.ReadCommitted, [A("ab")]));
        Assert.Equal(ab, RequestFingerprint.Compute("transaction", "k", IsolationLevel.ReadCommitted, [A("a"), A("b")]));
    }
}
