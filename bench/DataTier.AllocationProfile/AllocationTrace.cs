using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace DataTier.AllocationProfile;

/// <summary>The sampled allocations of a trace, summed by type and by allocating stack.</summary>
internal sealed class AllocationTrace
{
    public Dictionary<string, long> ByType { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> ByStack { get; } = new(StringComparer.Ordinal);

    public long TotalBytes { get; private set; }

    public long Samples { get; private set; }

    public static AllocationTrace Read(string path, int frames)
    {
        var trace = new AllocationTrace();
        string etlx = TraceLog.CreateFromEventPipeDataFile(path);
        using var log = new TraceLog(etlx);
        foreach (var data in log.Events)
        {
            if (data is not GCAllocationTickTraceData tick)
            {
                continue;
            }

            long bytes = tick.AllocationAmount64;
            trace.TotalBytes += bytes;
            trace.Samples++;
            trace.ByType[tick.TypeName] = trace.ByType.GetValueOrDefault(tick.TypeName) + bytes;
            string stack = tick.TypeName + " <= " + string.Join(" <= ", Frames(data.CallStack(), frames));
            trace.ByStack[stack] = trace.ByStack.GetValueOrDefault(stack) + bytes;
        }

        return trace;
    }

    // The named frames nearest the allocation; the thread pool's dispatch frames below the request say nothing.
    private static IEnumerable<string> Frames(TraceCallStack? stack, int count)
    {
        int taken = 0;
        for (var frame = stack; frame is not null && taken < count; frame = frame.Caller)
        {
            string name = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            if (name.StartsWith("System.Threading.ExecutionContext.", StringComparison.Ordinal))
            {
                yield break;
            }

            taken++;
            yield return name.Length > 120 ? name[..120] : name;
        }
    }
}
