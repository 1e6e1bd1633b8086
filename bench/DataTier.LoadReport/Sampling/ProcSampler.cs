using System.Diagnostics;
using System.Globalization;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Sampling;

/// <summary>
/// Samples /proc every <c>interval</c> for the whole run: CPU time of every process (/proc/PID/stat, utime + stime,
/// summed per role), the machine's busy time (/proc/stat) and the DataTier servers' VmRSS (/proc/PID/status).
/// Scenarios read their window afterwards. A scan of /proc costs a few milliseconds of one core per tick.
/// </summary>
internal sealed class ProcSampler : IAsyncDisposable
{
    private readonly ProcessGroups _groups;
    private readonly TimeSpan _interval;
    private readonly double _ticksPerSecond;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<ProcSample> _samples = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<int, long> _previousTicks = [];
    private long _previousMachineBusy;
    private double _previousSeconds;
    private Task? _loop;

    public ProcSampler(ProcessGroups groups, TimeSpan interval, double ticksPerSecond)
    {
        _groups = groups;
        _interval = interval;
        _ticksPerSecond = ticksPerSecond;
    }

    /// <summary>Seconds since the sampler started: the run's clock.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public IReadOnlyList<ProcSample> Samples
    {
        get
        {
            lock (_lock)
            {
                return [.. _samples];
            }
        }
    }

    public void Start()
    {
        Tick(record: false);
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(_interval);
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                Tick(record: true);
            }
        });
    }

    /// <summary>Mean CPU per role over the samples taken in [from, to].</summary>
    public CpuSummary? Cpu(double from, double to)
    {
        var window = Window(from, to);
        if (window.Count == 0)
        {
            return null;
        }

        double Mean(Func<ProcSample, double> f) => Math.Round(window.Average(f), 3);
        double ours = window.Average(s => s.DataTier + s.DataTierCacheOff + s.Postgres + s.Redis + s.Pgpool + s.PgBouncer + s.LoadGenerator + s.Harness);
        return new CpuSummary(
            Mean(s => s.DataTier), Mean(s => s.DataTierCacheOff), Mean(s => s.Postgres), Mean(s => s.Redis), Mean(s => s.Pgpool), Mean(s => s.PgBouncer),
            Mean(s => s.LoadGenerator), Mean(s => s.Harness), Mean(s => s.Machine),
            Math.Round(Math.Max(0, window.Average(s => s.Machine) - ours), 3));
    }

    public MemorySummary? Memory(bool cacheOff, double from, double to)
    {
        var rss = Window(from, to).Select(s => cacheOff ? s.CacheOffRssMb : s.DataTierRssMb).Where(v => v > 0).ToList();
        return rss.Count == 0 ? null : new MemorySummary(Math.Round(rss.Max(), 1), Math.Round(rss.Average(), 1));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _stop.Dispose();
    }

    private List<ProcSample> Window(double from, double to)
    {
        lock (_lock)
        {
            // A sample covers the interval before it: take those that ended inside the window.
            return _samples.Where(s => s.Seconds > from + 0.25 && s.Seconds <= to + 0.25).ToList();
        }
    }

    private void Tick(bool record)
    {
        double now = Now;
        var processes = ReadProcesses();
        long machineBusy = ReadMachineBusyTicks();
        double elapsed = now - _previousSeconds;
        var cores = new double[8];
        var postmasters = _groups.Postmasters.ToHashSet();
        foreach (var (pid, ppid, ticks) in processes)
        {
            long delta = _previousTicks.TryGetValue(pid, out long before) ? Math.Max(0, ticks - before) : 0;
            int role = RoleOf(pid, ppid, postmasters);
            if (role >= 0)
            {
                cores[role] += delta;
            }
        }

        _previousTicks.Clear();
        foreach (var (pid, _, ticks) in processes)
        {
            _previousTicks[pid] = ticks;
        }

        double machine = (machineBusy - _previousMachineBusy) / _ticksPerSecond / Math.Max(elapsed, 1e-3);
        _previousMachineBusy = machineBusy;
        _previousSeconds = now;
        if (!record || elapsed <= 0)
        {
            return;
        }

        double Cores(int role) => cores[role] / _ticksPerSecond / elapsed;
        var sample = new ProcSample(now, Cores(0), Cores(1), Cores(2), Cores(3), Cores(4), Cores(7), Cores(5), Cores(6), machine,
            RssMb(_groups.DataTier), RssMb(_groups.DataTierCacheOff));
        lock (_lock)
        {
            _samples.Add(sample);
        }
    }

    // 0 DataTier, 1 cache-off DataTier, 2 PostgreSQL, 3 Redis, 4 pgpool, 5 load generators, 6 this harness, 7 PgBouncer;
    // -1 other.
    private int RoleOf(int pid, int ppid, HashSet<int> postmasters)
    {
        if (pid == _groups.DataTier && pid != 0)
        {
            return 0;
        }

        if (pid == _groups.DataTierCacheOff && pid != 0)
        {
            return 1;
        }

        if (postmasters.Contains(pid) || postmasters.Contains(ppid))
        {
            return 2;
        }

        if (pid == _groups.Redis && pid != 0)
        {
            return 3;
        }

        if (_groups.Pgpool != 0 && (pid == _groups.Pgpool || ppid == _groups.Pgpool))
        {
            return 4;
        }

        if (pid == _groups.PgBouncer && pid != 0)
        {
            return 7;
        }

        if (ppid == _groups.Harness)
        {
            return 5;
        }

        return pid == _groups.Harness ? 6 : -1;
    }

    private static List<(int Pid, int Ppid, long Ticks)> ReadProcesses()
    {
        var list = new List<(int, int, long)>(512);
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // Gone since the listing.
            }

            // "pid (comm) state ppid ... utime stime ...": comm may hold spaces and parentheses, so split after the last ')'.
            int close = stat.LastIndexOf(')');
            if (close < 0)
            {
                continue;
            }

            var fields = stat[(close + 2)..].Split(' ');
            if (fields.Length < 13)
            {
                continue;
            }

            int ppid = int.Parse(fields[1], CultureInfo.InvariantCulture);
            long ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            list.Add((pid, ppid, ticks));
        }

        return list;
    }

    private static long ReadMachineBusyTicks()
    {
        using var reader = new StreamReader("/proc/stat");
        string line = reader.ReadLine() ?? "";
        // cpu  user nice system idle iowait irq softirq steal ...
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => f.Length > i ? long.Parse(f[i], CultureInfo.InvariantCulture) : 0;
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8);
    }

    private static double RssMb(int pid)
    {
        if (pid == 0)
        {
            return 0;
        }

        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process has exited.
        }

        return 0;
    }
}
