using System.Diagnostics;
using System.Globalization;

namespace DataTier.DevCluster;

/// <summary>Progress lines with the time since the operation began, e.g. <c>[ 3.2s] Loading demo data</c>.</summary>
internal sealed class ProgressLog(TextWriter? writer)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Write(string message)
    {
        if (writer is null)
        {
            return;
        }

        lock (_gate)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,5:0.0}s] {message}"));
            writer.Flush();
        }
    }
}
