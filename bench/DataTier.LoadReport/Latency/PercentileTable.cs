namespace DataTier.LoadReport.Latency;

/// <summary>
/// A latency distribution as its quantile function sampled at fixed percentiles (the points bench/load/lib/datatier.lua
/// prints: 0.1, 0.5, every whole percent, then 99.1 ... 99.999 and 100), latencies in microseconds.
/// </summary>
internal sealed class PercentileTable
{
    /// <summary>The percentiles every table holds, ascending.</summary>
    public static readonly IReadOnlyList<double> Points = BuildPoints();

    private readonly double[] _percentiles;
    private readonly double[] _values;

    public PercentileTable(IEnumerable<(double Percentile, double ValueUs)> points)
    {
        var sorted = points.OrderBy(p => p.Percentile).ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("A percentile table needs at least one point.", nameof(points));
        }

        _percentiles = sorted.Select(p => p.Percentile).ToArray();
        _values = new double[sorted.Length];
        // A quantile function never decreases; merged or rounded inputs could dip by a microsecond.
        double floor = 0;
        for (int i = 0; i < sorted.Length; i++)
        {
            floor = Math.Max(floor, sorted[i].ValueUs);
            _values[i] = floor;
        }
    }

    public IEnumerable<(double Percentile, double ValueUs)> Entries => _percentiles.Zip(_values);

    public double Max => _values[^1];

    /// <summary>The latency at percentile <paramref name="p"/>, interpolated between the sampled points.</summary>
    public double ValueAt(double p)
    {
        if (p <= _percentiles[0])
        {
            return _values[0];
        }

        for (int i = 1; i < _percentiles.Length; i++)
        {
            if (p <= _percentiles[i])
            {
                double f = (p - _percentiles[i - 1]) / (_percentiles[i] - _percentiles[i - 1]);
                return _values[i - 1] + f * (_values[i] - _values[i - 1]);
            }
        }

        return _values[^1];
    }

    /// <summary>The share (percent) of requests at or below <paramref name="valueUs"/>: the inverse of <see cref="ValueAt"/>.</summary>
    public double PercentAtOrBelow(double valueUs)
    {
        if (valueUs < _values[0])
        {
            return _percentiles[0] * valueUs / Math.Max(1, _values[0]);
        }

        for (int i = _values.Length - 1; i >= 0; i--)
        {
            if (_values[i] <= valueUs)
            {
                if (i == _values.Length - 1 || _values[i + 1] == _values[i])
                {
                    return _percentiles[i];
                }

                double f = (valueUs - _values[i]) / (_values[i + 1] - _values[i]);
                return _percentiles[i] + f * (_percentiles[i + 1] - _percentiles[i]);
            }
        }

        return 0;
    }

    /// <summary>Nearest-rank percentiles of raw samples (pgbench's per-transaction log), as wrk computes them.</summary>
    public static PercentileTable FromSamples(List<double> samplesUs)
    {
        if (samplesUs.Count == 0)
        {
            return new PercentileTable(Points.Select(p => (p, 0.0)));
        }

        samplesUs.Sort();
        return new PercentileTable(Points.Select(p =>
        {
            long rank = (long)Math.Round(p / 100.0 * samplesUs.Count + 0.5);
            return (p, samplesUs[(int)Math.Clamp(rank - 1, 0, samplesUs.Count - 1)]);
        }));
    }

    /// <summary>
    /// The distribution of several runs together (the spike's staggered wrk processes), each weighted by its request
    /// count: at each point, the latency where the weighted share of requests at or below it reaches the percentile.
    /// </summary>
    public static PercentileTable Merge(IReadOnlyList<(PercentileTable Table, long Requests)> parts)
    {
        var live = parts.Where(p => p.Requests > 0).ToList();
        if (live.Count == 0)
        {
            return new PercentileTable(Points.Select(p => (p, 0.0)));
        }

        if (live.Count == 1)
        {
            return live[0].Table;
        }

        double total = live.Sum(p => (double)p.Requests);
        double lo = live.Min(p => p.Table._values[0]);
        double hi = live.Max(p => p.Table.Max);
        return new PercentileTable(Points.Select(point =>
        {
            if (point >= 100)
            {
                return (point, hi);
            }

            double a = lo, b = hi;
            for (int i = 0; i < 60 && b - a > 0.5; i++)
            {
                double mid = (a + b) / 2;
                double share = live.Sum(p => p.Requests * p.Table.PercentAtOrBelow(mid)) / total;
                if (share < point)
                {
                    a = mid;
                }
                else
                {
                    b = mid;
                }
            }

            return (point, b);
        }));
    }

    private static List<double> BuildPoints()
    {
        var points = new List<double> { 0.1, 0.5 };
        for (int p = 1; p <= 99; p++)
        {
            points.Add(p);
        }

        for (int i = 1; i <= 9; i++)
        {
            points.Add(99 + i / 10.0);
        }

        for (int i = 1; i <= 9; i++)
        {
            points.Add(99.9 + i / 100.0);
        }

        for (int i = 1; i <= 9; i++)
        {
            points.Add(99.99 + i / 1000.0);
        }

        points.Add(100);
        return points.Select(p => Math.Round(p, 3)).ToList();
    }
}
