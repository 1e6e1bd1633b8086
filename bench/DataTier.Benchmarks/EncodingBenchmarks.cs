using System.Buffers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using DataTier.Core.Execution;

namespace DataTier.Benchmarks;

/// <summary>Writing rows as JSON, which every database answer goes through.</summary>
[MemoryDiagnoser]
public class EncodingBenchmarks
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private QueryResult _result = null!;

    [Params(1, 10, 100)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rows = Enumerable.Range(0, Rows).Select(i => new object?[]
        {
            $"team-{i}", (long)i * 1000, Guid.NewGuid(), DateTime.UtcNow, new RawJson("{\"source\": \"api\", \"n\": 1}"), i % 5,
        }).ToList();
        _result = new QueryResult { Columns = ["team_id", "user_id", "log_id", "created_at", "details", "priority"], Rows = rows };
    }

    [Benchmark]
    public int WriteRows()
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer);
        ResultJsonWriter.WriteRows(writer, _result);
        writer.Flush();
        return _buffer.WrittenCount;
    }
}
