using System.Globalization;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Scenarios;

/// <summary>
/// The scenarios of a run, in order. Compared scenarios of one statement run back to back (DataTier over HTTP and over
/// its PostgreSQL wire front end, pgbench direct, PgBouncer, pgpool) so that they see the same machine; writes come
/// last because they change the data the reads use.
/// </summary>
internal static class ScenarioPlan
{
    public const int CompareConnections = 64;
    public const int AggregateConnections = 8;
    public const int PeakConnections = 1000;

    /// <summary>pgbench straight to the primary, and through DataTier's wire front end in the scenarios named <c>-wire-</c>.</summary>
    public const string PgbenchModeDirect = "prepared";

    // Pgpool-II 4.3's extended-protocol path is several times slower than its simple-protocol path on this machine
    // (measured while building this harness), so pgpool gets the mode it is fastest in.
    public const string PgbenchModePgpool = "simple";

    /// <summary>The wire scenarios' second mode (<c>-wire-simple-</c>): one Query message, the key a literal in the text.</summary>
    public const string PgbenchModeWireSimple = "simple";

    /// <summary>
    /// Every measured scenario for a per-scenario duration of <paramref name="duration"/> seconds;
    /// <paramref name="pgbouncerMode"/> is pgbench's mode through PgBouncer (<see cref="Preparation.PgBouncerFeatures.PgbenchMode"/>).
    /// </summary>
    public static IReadOnlyList<ScenarioDefinition> Build(int duration, bool smoke, string pgbouncerMode)
    {
        int threads = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));
        int warm = smoke ? 1 : 3;
        var list = new List<ScenarioDefinition>
        {
            // Cache hits, the headline, then the same keys straight to PostgreSQL and through pgpool.
            Wrk("hot-read-c64", "hot-read", "Cache-hit reads (Zipf keys), 64 connections", SystemUnderTest.DataTier, "hot_read.lua", CompareConnections, threads, duration, "auto"),
            Pgbench("hot-read-pgbench-c64", "hot-read", "Same reads, pgbench straight to the primary", SystemUnderTest.PostgresDirect, "hot-read", CompareConnections, duration, PgbenchModeDirect),
            // The same pgbench scripts through DataTier's PostgreSQL wire front end (cache-on server): hits where the wire serves them from the cache.
            Pgbench("hot-read-wire-c64", "hot-read", "Same reads, pgbench -M prepared through DataTier's wire front end (cache on)", SystemUnderTest.DataTier, "hot-read", CompareConnections, duration, PgbenchModeDirect),
            Pgbench("hot-read-wire-simple-c64", "hot-read", "Same reads, pgbench -M simple through DataTier's wire front end (cache on)", SystemUnderTest.DataTier, "hot-read", CompareConnections, duration, PgbenchModeWireSimple),
            Pgbench("hot-read-pgpool-c64", "hot-read", "Same reads, pgbench through Pgpool-II (query cache on)", SystemUnderTest.Pgpool, "hot-read", CompareConnections, duration, PgbenchModePgpool),
            Wrk("hot-read-cache-off-c64", "hot-read", "Same reads, DataTier with its cache off", SystemUnderTest.DataTierCacheOff, "hot_read.lua", CompareConnections, threads, duration, "auto"),

            // The HTTP ceiling: the same request body to a bare Kestrel endpoint, and DataTier's pipeline alone.
            Wrk("ceiling-c64", "http-ceiling", "Bare Kestrel: the same body parsed, a fixed answer (bench/DataTier.HttpCeiling)", SystemUnderTest.HttpCeiling, "hot_read.lua", CompareConnections, threads, duration, "auto"),
            Wrk("health-live-c64", "http-ceiling", "DataTier's /health/live: its whole middleware pipeline, no work", SystemUnderTest.DataTier, "live.lua", CompareConnections, threads, duration, null),

            // A new instance under the hot-read load from the moment it is ready, second by second.
            Wrk("fresh-start-c64", "fresh-start", "Cache-hit reads on a freshly started instance, from /health/ready on (1 s windows)", SystemUnderTest.DataTierFresh, "hot_read.lua", CompareConnections, threads, smoke ? duration : Math.Max(30, duration + 10), "auto"),
        };

        // The ramp: 10 -> 50 -> 100 -> 1,000 connections (64 is the headline above), the peak held, and a spike.
        foreach (int c in new[] { 10, 50, 100, PeakConnections })
        {
            list.Add(Wrk(string.Create(CultureInfo.InvariantCulture, $"hot-read-c{c}"), "ramp",
                string.Create(CultureInfo.InvariantCulture, $"Cache-hit reads, {c:N0} connections"), SystemUnderTest.DataTier, "hot_read.lua", c, threads, duration, "auto"));
        }

        list.Add(Wrk("hot-read-c1000-sustained", "ramp", "Cache-hit reads, 1,000 connections held (3x the duration)",
            SystemUnderTest.DataTier, "hot_read.lua", PeakConnections, threads, smoke ? duration : duration * 3, "auto"));
        list.Add(new ScenarioDefinition
        {
            Name = "hot-read-spike-c1000",
            Group = "ramp",
            Title = smoke ? "Spike: 0 -> 1,000 connections (10 waves, compressed for the smoke run)" : "Spike: 0 -> 1,000 connections in 10 s, then held",
            System = SystemUnderTest.DataTier,
            Tool = LoadTool.WrkSpike,
            Script = "hot_read.lua",
            Connections = PeakConnections,
            Threads = 1,
            DurationSeconds = duration,
            Cache = "auto",
            SpikeWaves = 10,
            SpikeGapSeconds = smoke ? 0.2 : 1.0,
        });

        list.AddRange(
        [
            // Point reads that miss: DataTier bypassing its cache, a cache-off server, then cache on (uniform keys).
            Wrk("point-read-bypass-c64", "point-read", "Point reads by key, cache bypassed (replica)", SystemUnderTest.DataTier, "point_read.lua", CompareConnections, threads, duration, "bypass"),
            Wrk("point-read-cache-off-c64", "point-read", "Point reads by key, DataTier with its cache off", SystemUnderTest.DataTierCacheOff, "point_read.lua", CompareConnections, threads, duration, "auto"),
            Pgbench("point-read-pgbench-c64", "point-read", "Same reads, pgbench straight to the primary", SystemUnderTest.PostgresDirect, "point-read", CompareConnections, duration, PgbenchModeDirect),
            // The same pgbench scripts through the cache-off server's wire front end, and through PgBouncer in front of the primary.
            Pgbench("point-read-wire-c64", "point-read", "Same reads, pgbench -M prepared through DataTier's wire front end (cache off)", SystemUnderTest.DataTierCacheOff, "point-read", CompareConnections, duration, PgbenchModeDirect),
            Pgbench("point-read-wire-simple-c64", "point-read", "Same reads, pgbench -M simple through DataTier's wire front end (cache off)", SystemUnderTest.DataTierCacheOff, "point-read", CompareConnections, duration, PgbenchModeWireSimple),
            Pgbench("point-read-pgbouncer-c64", "point-read", $"Same reads, pgbench -M {pgbouncerMode} through PgBouncer (transaction pooling) to the primary", SystemUnderTest.PgBouncer, "point-read", CompareConnections, duration, pgbouncerMode),
            Pgbench("point-read-pgpool-c64", "point-read", "Same reads, pgbench through Pgpool-II (query cache on)", SystemUnderTest.Pgpool, "point-read", CompareConnections, duration, PgbenchModePgpool),
            Wrk("point-read-cache-on-c64", "point-read", "Point reads by key, cache on (uniform keys: mostly misses)", SystemUnderTest.DataTier, "point_read.lua", CompareConnections, threads, duration, "auto"),

            // The heavy aggregate: executed every time, then from the cache.
            Wrk("aggregate-cache-off-c8", "aggregate", "Heavy aggregate, executed (DataTier cache off)", SystemUnderTest.DataTierCacheOff, "aggregate.lua", AggregateConnections, Math.Min(threads, AggregateConnections), duration, "auto"),
            Pgbench("aggregate-pgbench-c8", "aggregate", "Same aggregate, pgbench straight to the primary", SystemUnderTest.PostgresDirect, "aggregate", AggregateConnections, duration, PgbenchModeDirect),
            // Both caches get their four entries filled before they are measured: a fill takes as long as an execution.
            Pgbench("aggregate-pgpool-c8", "aggregate", "Same aggregate, pgbench through Pgpool-II (query cache on)", SystemUnderTest.Pgpool, "aggregate", AggregateConnections, duration, PgbenchModePgpool) with { WarmUpSeconds = warm },
            Wrk("aggregate-cache-on-c8", "aggregate", "Heavy aggregate, served from DataTier's cache", SystemUnderTest.DataTier, "aggregate.lua", AggregateConnections, Math.Min(threads, AggregateConnections), duration, "auto") with { WarmUpSeconds = warm },

            // Fan-out reads, then the mixes that write.
            Wrk("scatter-c64", "scatter", "Scatter reads (5 teams, orderBy + limit 10) over every shard", SystemUnderTest.DataTier, "scatter.lua", CompareConnections, threads, duration, null),
            Wrk("writes-c64", "writes", "Writes (one insert each, with cache invalidation), teams of every shard", SystemUnderTest.DataTier, "writes.lua", CompareConnections, threads, duration, null),
            Wrk("writes-s1-c64", "writes", "Writes, the comparison teams of s1 only (one primary, as pgbench)", SystemUnderTest.DataTier, "writes.lua", CompareConnections, threads, duration, null) with { Teams = "teams-s1.txt" },
            Pgbench("writes-pgbench-c64", "writes", "Same insert, pgbench straight to s1's primary", SystemUnderTest.PostgresDirect, "write", CompareConnections, duration, PgbenchModeDirect),
            // The same two with s1's ownership guard off: what the guard costs a write.
            Wrk("writes-s1-unguarded-c64", "writes", "Writes of s1's teams, s1's ownership guard off", SystemUnderTest.DataTier, "writes.lua", CompareConnections, threads, duration, null) with { Teams = "teams-s1.txt", OwnershipGuardOff = true },
            Pgbench("writes-pgbench-unguarded-c64", "writes", "Same insert, pgbench straight to s1's primary, its ownership guard off", SystemUnderTest.PostgresDirect, "write", CompareConnections, duration, PgbenchModeDirect) with { OwnershipGuardOff = true },
            Wrk("session-c32", "session", "Session reads after writes (insert, then a session read with its token)", SystemUnderTest.DataTier, "session.lua", 32, 32, duration, null),

            // Bulk load: the same 100,000 rows (keys of every shard) copied straight into one primary, then through the wire,
            // which routes each row to its shard's COPY. Straight to s1 its ownership guard is off (s2's rows would be refused).
            Copy("copy-direct", "Direct COPY of 100,000 rows into s1's primary, its ownership guard off", SystemUnderTest.PostgresDirect) with { OwnershipGuardOff = true },
            Copy("copy-wire", "COPY of the same rows through DataTier's wire front end (every row to its shard)", SystemUnderTest.DataTier),
        ]);
        return list;
    }

    /// <summary>Warm-up before measuring: JIT, connection pools and caches of both servers, HTTP and wire (not reported).</summary>
    public static IReadOnlyList<ScenarioDefinition> WarmUp(bool smoke)
    {
        int threads = Math.Max(1, Math.Min(Environment.ProcessorCount, 4));
        // Tiered compilation needs a few seconds of load before the hot paths run fully optimised code.
        int longer = smoke ? 2 : 10;
        int shorter = smoke ? 1 : 3;
        return
        [
            Wrk("warm-hot-read", "warm-up", "", SystemUnderTest.DataTier, "hot_read.lua", CompareConnections, threads, longer, "auto"),
            Wrk("warm-point-read", "warm-up", "", SystemUnderTest.DataTier, "point_read.lua", CompareConnections, threads, shorter, "bypass"),
            Wrk("warm-aggregate", "warm-up", "", SystemUnderTest.DataTier, "aggregate.lua", 4, Math.Min(threads, 4), shorter, "auto"),
            Wrk("warm-scatter", "warm-up", "", SystemUnderTest.DataTier, "scatter.lua", 16, threads, shorter, null),
            Wrk("warm-off-hot-read", "warm-up", "", SystemUnderTest.DataTierCacheOff, "hot_read.lua", CompareConnections, threads, longer, "auto"),
            Wrk("warm-off-point-read", "warm-up", "", SystemUnderTest.DataTierCacheOff, "point_read.lua", CompareConnections, threads, shorter, "auto"),
            // The wire front end's own paths (sessions, routing, backend pools) in both modes the wire scenarios use.
            Pgbench("warm-off-wire-point-read", "warm-up", "", SystemUnderTest.DataTierCacheOff, "point-read", CompareConnections, longer, PgbenchModeDirect),
            Pgbench("warm-off-wire-simple-point-read", "warm-up", "", SystemUnderTest.DataTierCacheOff, "point-read", CompareConnections, shorter, PgbenchModeWireSimple),
            Pgbench("warm-wire-hot-read", "warm-up", "", SystemUnderTest.DataTier, "hot-read", CompareConnections, shorter, PgbenchModeDirect),
            // The wire's COPY path (row parsing, per-shard legs) before copy-wire is measured.
            Copy("warm-copy-wire", "", SystemUnderTest.DataTier),
            Pgbench("warm-wire-simple-hot-read", "warm-up", "", SystemUnderTest.DataTier, "hot-read", CompareConnections, shorter, PgbenchModeWireSimple),
        ];
    }

    private static ScenarioDefinition Wrk(string name, string group, string title, SystemUnderTest system, string script, int connections, int threads, int duration, string? cache) => new()
    {
        Name = name,
        Group = group,
        Title = title,
        System = system,
        Tool = LoadTool.Wrk,
        Script = script,
        Connections = connections,
        Threads = Math.Min(threads, connections),
        DurationSeconds = duration,
        Cache = cache,
    };

    private static ScenarioDefinition Copy(string name, string title, SystemUnderTest system) => new()
    {
        Name = name,
        Group = "copy",
        Title = title,
        System = system,
        Tool = LoadTool.Copy,
        Script = "copy",
        Connections = 1,
        Threads = 1,
        // A COPY of a fixed size, not a timed load: the mid-scenario runtime sample is taken after a second.
        DurationSeconds = 2,
    };

    private static ScenarioDefinition Pgbench(string name, string group, string title, SystemUnderTest system, string scripts, int connections, int duration, string mode) => new()
    {
        Name = name,
        Group = group,
        Title = title,
        System = system,
        Tool = LoadTool.Pgbench,
        Script = scripts,
        Connections = connections,
        Threads = Math.Max(1, Math.Min(Environment.ProcessorCount, 4)),
        DurationSeconds = duration,
        PgbenchMode = mode,
    };
}
