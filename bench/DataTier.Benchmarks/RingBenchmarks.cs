using BenchmarkDotNet.Attributes;
using DataTier.Core.Hashing;
using DataTier.Core.Ring;

namespace DataTier.Benchmarks;

/// <summary>Key hashing and ring lookup: the first thing every request does.</summary>
[MemoryDiagnoser]
public class RingBenchmarks
{
    private readonly HashRing _ring = HashRing.Create(Enumerable.Range(1, 8).Select(i => new RingMember($"s{i}", 1)));
    private readonly string _longKey = new('k', 200);
    private readonly Guid _uuid = Guid.NewGuid();

    [Benchmark(Baseline = true)]
    public string LookupShortKey() => _ring.GetShard("team-42");

    [Benchmark]
    public string LookupLongKey() => _ring.GetShard(_longKey);

    [Benchmark]
    public int OwnerOfPosition() => _ring.GetOwnerIndex(-4352505759760220499L);

    [Benchmark]
    public long HashText() => PostgresHash.HashText("team-42");

    [Benchmark]
    public long HashInt64() => PostgresHash.HashInt64(1234567890123L);

    [Benchmark]
    public long HashUuid() => PostgresHash.HashUuid(_uuid);
}
