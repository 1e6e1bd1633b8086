using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Scenarios;

/// <summary>
/// One scenario to run: who answers, with which tool and script, how many connections, for how long.
/// <see cref="Script"/> is a bench/load Lua file for wrk, or the prepared script set for pgbench
/// (<c>hot-read</c>, <c>point-read</c>, <c>aggregate</c>).
/// </summary>
internal sealed record ScenarioDefinition
{
    public required string Name { get; init; }

    public required string Group { get; init; }

    public required string Title { get; init; }

    public required SystemUnderTest System { get; init; }

    public required LoadTool Tool { get; init; }

    public required string Script { get; init; }

    public required int Connections { get; init; }

    /// <summary>wrk threads (or pgbench jobs); the session mix needs one connection per thread.</summary>
    public required int Threads { get; init; }

    /// <summary>Whole seconds: wrk and pgbench take no fractions.</summary>
    public required int DurationSeconds { get; init; }

    /// <summary>Back-to-back windows the duration is split into (samples for bench/compare's test); 1 = one piece.</summary>
    public int Windows { get; init; } = 1;

    /// <summary>DataTier's <c>cache</c> request field (DT_CACHE) for the scripts that send one.</summary>
    public string? Cache { get; init; }

    /// <summary>For <see cref="LoadTool.WrkSpike"/>: wrk processes started one after another, and the gap between them.</summary>
    public int SpikeWaves { get; init; }

    public double SpikeGapSeconds { get; init; }

    /// <summary>An unmeasured run of the same load first, so that a cache scenario starts with its entries filled.</summary>
    public int WarmUpSeconds { get; init; }

    /// <summary>The key file writes.lua draws teams from (DT_TEAMS); null: the script's default.</summary>
    public string? Teams { get; init; }

    /// <summary>
    /// Runs with the comparison shard's ownership guard off (its trigger disabled on the written table): the same
    /// scenario with it on, in the same run, shows what the guard costs.
    /// </summary>
    public bool OwnershipGuardOff { get; init; }

    /// <summary>pgbench's query mode (<c>-M simple | extended | prepared</c>); null for wrk.</summary>
    public string? PgbenchMode { get; init; }

    public bool IsDataTier => System is SystemUnderTest.DataTier or SystemUnderTest.DataTierCacheOff or SystemUnderTest.DataTierFresh;

    /// <summary>pgbench through DataTier's PostgreSQL wire front end (the server's HTTP URL still gives its /metrics).</summary>
    public bool IsWire => IsDataTier && Tool == LoadTool.Pgbench;

    /// <summary>Has an HTTP URL: wrk's target (DataTier or the reference), or the /metrics of a wire scenario's server.</summary>
    public bool IsHttp => IsDataTier || System == SystemUnderTest.HttpCeiling;
}
