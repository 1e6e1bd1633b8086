using BenchmarkDotNet.Attributes;
using DataTier.Core.Caching;
using DataTier.Core.Execution;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace DataTier.Benchmarks;

/// <summary>The cache's hot path: key, TTL, encoding and an L1 hit.</summary>
[MemoryDiagnoser]
public class CacheBenchmarks
{
    private const string Plan =
        """
        [{"Plan": {"Node Type": "Aggregate", "Strategy": "Hashed", "Total Cost": 812.4, "Plans": [
          {"Node Type": "Hash Join", "Parent Relationship": "Outer", "Total Cost": 700.1, "Plans": [
            {"Node Type": "Seq Scan", "Parent Relationship": "Outer", "Relation Name": "tasks", "Total Cost": 400.0},
            {"Node Type": "Hash", "Parent Relationship": "Inner", "Total Cost": 200.0, "Plans": [
              {"Node Type": "Index Scan", "Parent Relationship": "Outer", "Relation Name": "users", "Total Cost": 180.0}]}]}]}}]
        """;

    private readonly TtlPolicy _ttl = new(Options.Create(new CacheOptions()));
    private readonly BoundStatement _statement = new("select * from tasks where team_id = $1 and status = $2",
        [new NpgsqlParameter { Value = "team-42", NpgsqlDbType = NpgsqlDbType.Text }, new NpgsqlParameter { Value = "open", NpgsqlDbType = NpgsqlDbType.Text }], "select * from tasks where team_id = ? and status = ?");
    private readonly (string, TableVersion)[] _versions = [("tasks", new TableVersion(7, 123))];
    private CacheEntry _entry = null!;
    private byte[] _encoded = null!;
    private QueryCache _cache = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _entry = new CacheEntry(new byte[4096], 25, false, "s1", 42, DateTimeOffset.UtcNow, TimeSpan.FromHours(1), 3.5, 4);
        _encoded = _entry.Encode();
        var redis = new RedisConnection(Options.Create(new RedisOptions()), Options.Create(new CacheOptions()), NullLogger<RedisConnection>.Instance);
        _cache = new QueryCache(redis, Options.Create(new CacheOptions()), new CacheStats(), new CacheMetrics(), TimeProvider.System, NullLogger<QueryCache>.Instance);
        await _cache.SetAsync("key", _entry);
    }

    [Benchmark(Baseline = true)]
    public async ValueTask<CacheEntry?> L1Hit() => (await _cache.GetAsync("key")).Entry;

    [Benchmark]
    public string Key() => CacheKey.Compute("s1", _statement, 1000, _versions);

    [Benchmark]
    public double TtlFormula() => _ttl.Formula(8, 20);

    [Benchmark]
    public StatementProfile AnalyzePlan() => PlanAnalyzer.Analyze(Plan);

    [Benchmark]
    public byte[] EncodeEntry() => _entry.Encode();

    [Benchmark]
    public CacheEntry? DecodeEntry() => CacheEntry.Decode(_encoded);
}
