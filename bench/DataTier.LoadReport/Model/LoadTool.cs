namespace DataTier.LoadReport.Model;

/// <summary>How a scenario's load is generated.</summary>
internal enum LoadTool
{
    /// <summary>One wrk process with a bench/load script.</summary>
    Wrk,

    /// <summary>Several wrk processes started one after another (connections arriving over the ramp).</summary>
    WrkSpike,

    /// <summary>pgbench with the prepared scripts: straight to PostgreSQL, through a pooler, or through DataTier's wire front end.</summary>
    Pgbench,

    /// <summary>One COPY FROM STDIN of a fixed number of rows (Npgsql's BeginTextImport); throughput in rows/s.</summary>
    Copy,
}
