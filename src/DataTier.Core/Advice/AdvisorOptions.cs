namespace DataTier.Core.Advice;

/// <summary>The index advisor (<c>DataTier:Advisor</c>).</summary>
public sealed class AdvisorOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "DataTier:Advisor";

    /// <summary>Quartz cron expression of the scheduled run (default: nightly at 03:00 UTC); empty turns the schedule off.</summary>
    public string Schedule { get; set; } = "0 0 3 * * ?";

    /// <summary>An index is kept only if it cuts some statement's planner cost by at least this share.</summary>
    public double MinCostReduction { get; set; } = 0.5;

    /// <summary>Statements whose generic-plan cost is below this are not worth an index (tiny tables, point reads).</summary>
    public double MinStatementCost { get; set; } = 100;

    /// <summary>The heaviest statements (by execution time since the last run) that are analysed.</summary>
    public int TopStatements { get; set; } = 50;

    /// <summary>Most columns in a recommended index.</summary>
    public int MaxColumns { get; set; } = 3;

    /// <summary>Storage the recommended indexes may take per shard (hypopg's size estimate).</summary>
    public long StorageBudgetBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>
    /// Planner cost units charged per row written to a table, for each b-tree level an insert into the new index
    /// descends (<see cref="IndexWriteCost.Levels"/>, from the index's size: 2 up to 2 MiB, 3 up to 512 MiB): the write
    /// overhead an index brings, weighed against its read benefit (calls x cost saved) over the same window.
    /// </summary>
    public double WriteCostPerRow { get; set; } = 2.5;

    /// <summary>An index scanned at most this many times (summed over every node of every shard) is reported unused.</summary>
    public long UnusedIndexMaxScans { get; set; } = 5;

    /// <summary>
    /// Hours the index statistics must cover on every shard before an index with (almost) no scans is reported unused
    /// rather than "not enough history" (default 168, a week: weekly jobs and reports get their chance to use it). A
    /// shard's coverage runs from the later of its statistics' reset (<c>pg_stat_database.stats_reset</c>, the latest
    /// of its nodes) and the end of the advisor's first completed run; before any run, it is none.
    /// </summary>
    public double UnusedMinObservedHours { get; set; } = 168;

    /// <summary>Timeout of each statement the advisor runs on a node (ms).</summary>
    public int StatementTimeoutMs { get; set; } = 10_000;

    /// <summary>Where <c>--write</c> and the job put scripts (relative to the working directory unless rooted).</summary>
    public string ScriptDirectory { get; set; } = "sql/advice";

    /// <summary>Whether the scheduled job also writes the scripts for what it recommends.</summary>
    public bool WriteScriptsOnSchedule { get; set; }

    /// <summary>
    /// Whether every run (scheduled, and the API's unless it says <c>validate=false</c>) proves its advice on a canary
    /// shard: builds each index there, replays the evidence statements before and after, keeps what is fast enough.
    /// </summary>
    public bool Validate { get; set; }

    /// <summary>Measured speed-up (median latency before over after, on the canary shard) a validated index must reach to be kept.</summary>
    public double MinMeasuredSpeedup { get; set; } = 2.0;

    /// <summary>Whether validation leaves the index it built on the canary shard (default: dropped after measuring).</summary>
    public bool KeepCanaryIndex { get; set; }
}
