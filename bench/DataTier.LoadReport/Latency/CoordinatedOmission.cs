namespace DataTier.LoadReport.Latency;

/// <summary>
/// wrk's coordinated-omission correction (stats_correct in wrk 4.x, applied before its done() hook sees the
/// latencies), for raw samples from other tools: with <c>I</c> the mean interval between one connection's requests,
/// every latency <c>L</c> of at least <c>2I</c> also counts <c>L - I</c>, <c>L - 2I</c>, ... while above <c>I</c>: the
/// requests a client that kept sending every <c>I</c> would have had stuck behind the stall. Applying it to pgbench's
/// transaction log makes its percentiles comparable with wrk's.
/// </summary>
internal static class CoordinatedOmission
{
    /// <summary>The interval wrk uses: run time over completed requests per connection (integer µs, as wrk).</summary>
    public static long ExpectedIntervalUs(double runtimeSeconds, long completed, int connections)
    {
        long perConnection = completed / Math.Max(1, connections);
        return perConnection > 0 ? (long)(runtimeSeconds * 1e6) / perConnection : 0;
    }

    public static void Correct(List<double> samplesUs, long expectedUs)
    {
        if (expectedUs <= 0)
        {
            return;
        }

        int recorded = samplesUs.Count;
        for (int i = 0; i < recorded; i++)
        {
            double latency = samplesUs[i];
            if (latency < 2 * expectedUs)
            {
                continue;
            }

            for (double m = latency - expectedUs; m > expectedUs; m -= expectedUs)
            {
                samplesUs.Add(m);
            }
        }
    }
}
