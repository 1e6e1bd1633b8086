using System.Globalization;
using DataTier.LoadReport.Model;
using DataTier.LoadReport.Reporting;
using DataTier.LoadReport.Sampling;
using DataTier.LoadReport.Scenarios;

namespace DataTier.LoadReport.Running;

/// <summary>
/// Runs the warm-up and every scenario in order while /proc is sampled, reads DataTier's cache and runtime counters
/// around each scenario, and returns the report.
/// </summary>
internal sealed class BenchRunner(RunOptions options, TextWriter progress)
{
    public async Task<BenchReport> RunAsync(CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var machine = MachineProbe.Describe();
        string mainUrl = options.Manifest.RequireBaseUrl();
        var wrk = new WrkRunner(options.LoadDir, options.Data.DataDir, options.Manifest.Keys.App, trackStatus: options.Smoke);
        var pgbench = new PgbenchRunner(options.Data, Path.Combine(options.Data.DataDir, "pgbench-logs"));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await using var sampler = new ProcSampler(options.Processes, TimeSpan.FromMilliseconds(500), MachineProbe.ClockTicksPerSecond());
        sampler.Start();

        Say(sampler, $"warming up both DataTier servers, HTTP and wire ({(options.Smoke ? "smoke" : "full")} run) ...");
        foreach (var warm in ScenarioPlan.WarmUp(options.Smoke))
        {
            var outcome = warm.Tool switch
            {
                LoadTool.Pgbench => await pgbench.RunAsync(warm, EndpointOf(warm.System), ct).ConfigureAwait(false),
                LoadTool.Copy => await new CopyRunner(options.Manifest).RunAsync(warm, EndpointOf(warm.System), ct).ConfigureAwait(false),
                _ => await wrk.RunAsync(warm, UrlOf(warm.System, mainUrl), ct).ConfigureAwait(false),
            };
            if (outcome.Errors.Total > 0)
            {
                Say(sampler, $"warm-up {warm.Name}: {outcome.Errors.Total} errors {string.Join("; ", outcome.Notes)}");
            }
        }

        var plan = ScenarioPlan.Build(options.DurationSeconds, options.Smoke, options.PgBouncer?.PgbenchMode ?? ScenarioPlan.PgbenchModeDirect)
            .Where(s => options.Only.Count == 0 || options.Only.Contains(s.Name))
            .ToList();
        var results = new List<ScenarioResult>();
        foreach (var scenario in plan)
        {
            if (!options.Smoke)
            {
                // Let the previous scenario's connections close and the machine settle.
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }

            var result = await RunScenarioAsync(scenario, wrk, pgbench, http, sampler, mainUrl, ct).ConfigureAwait(false);
            results.Add(result);
            Say(sampler, Describe(result));
        }

        var samples = sampler.Samples;
        return ReportBuilder.Build(options, machine, started, DateTimeOffset.UtcNow, results, samples);
    }

    private async Task<ScenarioResult> RunScenarioAsync(ScenarioDefinition scenario, WrkRunner wrk, PgbenchRunner pgbench, HttpClient http, ProcSampler sampler, string mainUrl, CancellationToken ct)
    {
        if (scenario.System == SystemUnderTest.HttpCeiling && options.CeilingUrl is null
            || scenario.System == SystemUnderTest.DataTierFresh && (options.ServerDll is null || options.ServerConfig is null))
        {
            throw new InvalidOperationException($"{scenario.Name} needs {(scenario.System == SystemUnderTest.HttpCeiling ? "--ceiling-url" : "--server-dll and --server-config")}.");
        }

        await using var fresh = scenario.System == SystemUnderTest.DataTierFresh
            ? await FreshServer.StartAsync(options.ServerDll!, options.ServerConfig!, http, ct).ConfigureAwait(false)
            : null;
        string? httpUrl = fresh?.BaseUrl ?? (scenario.IsHttp ? UrlOf(scenario.System, mainUrl) : null);
        // Runtime counters come from DataTier's /metrics; the reference has none.
        string? serverUrl = scenario.IsDataTier ? httpUrl : null;
        if (scenario.WarmUpSeconds > 0)
        {
            var warm = scenario with { Name = scenario.Name + "-warm-up", DurationSeconds = scenario.WarmUpSeconds };
            _ = warm.Tool == LoadTool.Pgbench
                ? await pgbench.RunAsync(warm, EndpointOf(warm.System), ct).ConfigureAwait(false)
                : await wrk.RunAsync(warm, httpUrl!, ct).ConfigureAwait(false);
        }

        var cacheBefore = scenario.System == SystemUnderTest.DataTier
            ? await CacheCounters.ReadAsync(http, mainUrl, options.Manifest.Keys.Admin, ct).ConfigureAwait(false)
            : null;
        var pgpoolBefore = scenario.System == SystemUnderTest.Pgpool
            ? await PgpoolCacheCounters.ReadAsync(EndpointOf(SystemUnderTest.Pgpool), ct).ConfigureAwait(false)
            : null;
        var runtimeBefore = serverUrl is null ? null : await RuntimeSnapshot.ReadAsync(http, serverUrl, sampler.Now, ct).ConfigureAwait(false);
        double start = sampler.Now;

        // The thread-pool queue is a gauge: read it halfway through, under load.
        using var midCancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var mid = serverUrl is null ? Task.FromResult<RuntimeSnapshot?>(null) : Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(scenario.DurationSeconds / 2.0), midCancel.Token).ConfigureAwait(false);
            return await RuntimeSnapshot.ReadAsync(http, serverUrl, sampler.Now, midCancel.Token).ConfigureAwait(false);
        }, midCancel.Token);

        LoadOutcome outcome;
        await using var unguarded = scenario.OwnershipGuardOff
            ? await OwnershipGuardSwitch.DisableAsync(options.Manifest.ComparisonShard.Primary, ct).ConfigureAwait(false)
            : null;
        try
        {
            outcome = scenario.Tool switch
            {
                LoadTool.Pgbench => await pgbench.RunAsync(scenario with { Windows = WindowsOf(scenario) }, EndpointOf(scenario.System), ct).ConfigureAwait(false),
                LoadTool.Copy => await new CopyRunner(options.Manifest).RunAsync(scenario, EndpointOf(scenario.System), ct).ConfigureAwait(false),
                _ => await wrk.RunAsync(scenario with { Windows = WindowsOf(scenario) }, httpUrl!, ct).ConfigureAwait(false),
            };
        }
        finally
        {
            await midCancel.CancelAsync().ConfigureAwait(false);
        }

        double end = sampler.Now;
        RuntimeSnapshot? midSnapshot = null;
        try
        {
            midSnapshot = await mid.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The scenario ended first.
        }

        var runtimeAfter = serverUrl is null ? null : await RuntimeSnapshot.ReadAsync(http, serverUrl, sampler.Now, ct).ConfigureAwait(false);
        var cacheAfter = cacheBefore is null ? null : await CacheCounters.ReadAsync(http, mainUrl, options.Manifest.Keys.Admin, ct).ConfigureAwait(false);
        var pgpoolAfter = pgpoolBefore is null ? null : await PgpoolCacheCounters.ReadAsync(EndpointOf(SystemUnderTest.Pgpool), ct).ConfigureAwait(false);
        // Let the last 0.5 s sample of the window land.
        await Task.Delay(TimeSpan.FromMilliseconds(600), ct).ConfigureAwait(false);

        return new ScenarioResult
        {
            Name = scenario.Name,
            Group = scenario.Group,
            Title = scenario.Title,
            System = scenario.System,
            Tool = scenario.Tool,
            PgbenchMode = scenario.PgbenchMode,
            Connections = scenario.Connections,
            DurationSeconds = Math.Round(outcome.DurationSeconds, 2),
            OffsetSeconds = Math.Round(start, 1),
            Requests = outcome.Requests,
            RequestsPerSecond = Math.Round(outcome.RequestsPerSecond, 1),
            Errors = outcome.Errors,
            Latency = LatencySummary.From(outcome.Latency, outcome.MeanLatencyUs),
            Percentiles = outcome.Latency.Entries.Select(e => new[] { e.Percentile, Math.Round(e.ValueUs / 1000, 3) }).ToList(),
            Cpu = sampler.Cpu(start, end),
            Memory = scenario.IsDataTier && scenario.System != SystemUnderTest.DataTierFresh ? sampler.Memory(scenario.System == SystemUnderTest.DataTierCacheOff, start, end) : null,
            Cache = CacheCounters.Between(cacheBefore, cacheAfter) ?? PgpoolCacheCounters.Between(pgpoolBefore, pgpoolAfter),
            Runtime = RuntimeSnapshot.Between(runtimeBefore, midSnapshot, runtimeAfter),
            Gated = scenario.IsDataTier && scenario.System != SystemUnderTest.DataTierFresh,
            Notes = outcome.Notes,
            Windows = outcome.Windows,
        };
    }

    /// <summary>Windows per DataTier scenario in a full run: 4 and 4 samples let a one-sided test reach p = 0.014.</summary>
    public const int ComparisonWindows = 4;

    // A fresh instance is measured second by second from its readiness; compared scenarios in 4 windows.
    private int WindowsOf(ScenarioDefinition scenario) =>
        scenario.System == SystemUnderTest.DataTierFresh ? Math.Max(1, scenario.DurationSeconds)
        : options.Smoke || !scenario.IsDataTier ? 1 : ComparisonWindows;

    private string UrlOf(SystemUnderTest system, string mainUrl) => system switch
    {
        SystemUnderTest.DataTierCacheOff => options.CacheOffUrl,
        SystemUnderTest.HttpCeiling => options.CeilingUrl!,
        _ => mainUrl,
    };

    // pgbench's target: the primary, a pooler in front of it, or a DataTier server's wire front end (the cache-on
    // server's from the manifest, the cache-off server's on its own port with the same login).
    private Cluster.PgEndpoint EndpointOf(SystemUnderTest system)
    {
        var primary = options.Manifest.ComparisonShard.PrimaryEndpoint;
        return system switch
        {
            SystemUnderTest.PostgresDirect => primary,
            SystemUnderTest.Pgpool => primary.WithPort(options.PgpoolPort),
            SystemUnderTest.PgBouncer => primary.WithPort(options.PgBouncerPort ?? throw new InvalidOperationException("The PgBouncer scenarios need --pgbouncer-port.")),
            SystemUnderTest.DataTier => options.Manifest.RequireWireEndpoint(),
            SystemUnderTest.DataTierCacheOff => options.Manifest.RequireWireEndpoint().WithPort(
                options.CacheOffWirePort ?? throw new InvalidOperationException("The cache-off server's wire scenarios need --cache-off-wire-port.")),
            _ => throw new InvalidOperationException($"pgbench has no endpoint for {system}."),
        };
    }

    private static string Describe(ScenarioResult r)
    {
        string cpu = r.Cpu is null ? "" : string.Create(CultureInfo.InvariantCulture,
            $"; CPU cores: DataTier {r.Cpu.DataTier + r.Cpu.DataTierCacheOff:0.00}, PostgreSQL {r.Cpu.Postgres:0.00}, pgpool {r.Cpu.Pgpool:0.00}, PgBouncer {r.Cpu.PgBouncer:0.00}, load generator {r.Cpu.LoadGenerator:0.00}, foreign {r.Cpu.Foreign:0.00}");
        string hit = r.Cache is { } c && c.Hits + c.Misses > 0 ? string.Create(CultureInfo.InvariantCulture, $", hit rate {c.HitRate:P1}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Name}: {r.RequestsPerSecond:N0} req/s, p50 {r.Latency.P50Ms:0.###} ms, p99 {r.Latency.P99Ms:0.###} ms, {r.Errors.Total} errors{hit}{cpu}") +
            (r.Notes.Count > 0 ? "\n    " + string.Join("\n    ", r.Notes) : "");
    }

    private void Say(ProcSampler sampler, string line) =>
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{sampler.Now,6:0}s] {line}"));
}
