namespace DataTier.DevCluster.State;

/// <summary>A background process (Redis, the DataTier server) as recorded in <c>cluster.json</c>.</summary>
internal sealed class ProcessState
{
    public int Port { get; set; }

    /// <summary>The DataTier server's PostgreSQL wire port (DataTier:Postgres:Port), 0 for other processes.</summary>
    public int WirePort { get; set; }

    public string Executable { get; set; } = "";

    public List<string> Arguments { get; set; } = [];

    public string WorkingDirectory { get; set; } = "";

    public string LogFile { get; set; } = "";

    /// <summary>PID, 0 when stopped.</summary>
    public int Pid { get; set; }

    /// <summary>Start time of <see cref="Pid"/> in clock ticks since boot: guards against a recycled PID.</summary>
    public long StartTime { get; set; }
}
