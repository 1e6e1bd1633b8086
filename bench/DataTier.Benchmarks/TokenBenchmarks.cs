using BenchmarkDotNet.Attributes;
using DataTier.Core.Consistency;
using Microsoft.Extensions.Options;

namespace DataTier.Benchmarks;

/// <summary>Signing and verifying session tokens: every write and every session read.</summary>
[MemoryDiagnoser]
public class TokenBenchmarks
{
    private readonly SessionTokenCodec _codec = new(Options.Create(new TokenOptions { SigningKey = Convert.ToBase64String(new byte[32]) }), TimeProvider.System);
    private SessionToken _one = null!;
    private SessionToken _four = null!;
    private string _oneEncoded = null!;
    private string _fourEncoded = null!;

    [GlobalSetup]
    public void Setup()
    {
        var now = DateTimeOffset.UtcNow;
        _one = SessionToken.Empty.With("s1", 123_456_789, now);
        _four = _one.With("s2", 1, now).With("s3", 2, now).With("s4", 3, now);
        _oneEncoded = _codec.Encode(_one);
        _fourEncoded = _codec.Encode(_four);
    }

    [Benchmark(Baseline = true)]
    public string SignOneShard() => _codec.Encode(_one);

    [Benchmark]
    public string SignFourShards() => _codec.Encode(_four);

    [Benchmark]
    public SessionToken VerifyOneShard() => _codec.Decode(_oneEncoded);

    [Benchmark]
    public SessionToken VerifyFourShards() => _codec.Decode(_fourEncoded);
}
