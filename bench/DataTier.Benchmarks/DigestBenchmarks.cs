using BenchmarkDotNet.Attributes;
using DataTier.Core.Diagnostics;
using Microsoft.Extensions.Options;

namespace DataTier.Benchmarks;

/// <summary>
/// The query digest's cost on the hot path, side by side with not recording at all, single-threaded and with
/// every core recording into the same fingerprint at once (contention).
/// </summary>
[MemoryDiagnoser]
public class DigestBenchmarks
{
    private const int Operations = 10_000;
    private QueryDigest _digest = null!;
    private ulong[] _ids = null!;

    [GlobalSetup]
    public void Setup()
    {
        _digest = new QueryDigest(Options.Create(new DigestOptions { MaxFingerprints = 5000 }), TimeProvider.System);
        _ids = Enumerable.Range(0, 1000).Select(i => (ulong)i * 7919).ToArray();
        foreach (var id in _ids)
        {
            _digest.Record(id, "select ?", "select $1", "s1", DigestRole.Replica, 1, 1, false);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public double WithoutRecording()
    {
        double sum = 0;
        for (int i = 0; i < Operations; i++)
        {
            sum += i * 0.001;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void RecordOneFingerprint()
    {
        for (int i = 0; i < Operations; i++)
        {
            _digest.Record(_ids[0], "select ?", "select $1", "s1", DigestRole.Replica, i * 0.001, 1, false);
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void RecordAcrossAThousandFingerprints()
    {
        for (int i = 0; i < Operations; i++)
        {
            _digest.Record(_ids[i % _ids.Length], "select ?", "select $1", "s1", DigestRole.Replica, i * 0.001, 1, false);
        }
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public void RecordOneFingerprintFromEveryCore() =>
        Parallel.For(0, Environment.ProcessorCount, _ =>
        {
            for (int i = 0; i < Operations / Environment.ProcessorCount; i++)
            {
                _digest.Record(_ids[0], "select ?", "select $1", "s1", DigestRole.Replica, i * 0.001, 1, false);
            }
        });
}
