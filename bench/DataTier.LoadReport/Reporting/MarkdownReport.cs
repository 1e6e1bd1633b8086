using System.Globalization;
using System.Text;
using DataTier.LoadReport.Model;

namespace DataTier.LoadReport.Reporting;

/// <summary>The Markdown summary of a report; charts are linked from <c>&lt;stamp&gt;/</c> beside it.</summary>
internal static class MarkdownReport
{
    public static string Render(BenchReport r, string chartDir)
    {
        var md = new StringBuilder();
        var m = r.Machine;
        var s = r.Settings;
        md.AppendLine(Inv($"# DataTier load test {r.Stamp}{(s.Smoke ? " (smoke run: errors only, figures not comparable)" : "")}"));
        md.AppendLine();
        md.AppendLine(Inv($"- **Machine**: {m.Cores} cores ({m.CpuModel}), {m.MemoryGiB:0.#} GiB, {m.Os}, kernel {m.Kernel}; load average at start {m.LoadAverageAtStart}."));
        md.AppendLine(Inv($"- **Software**: {m.Dotnet}; {m.Postgres}; {m.Wrk}; {m.Pgpool}."));
        md.AppendLine(Inv($"- **Run**: `bench/run --duration {s.DurationSeconds:0}{(s.Smoke ? " --smoke" : "")}` at commit {s.Commit}, {r.StartedAt:yyyy-MM-dd HH:mm} to {r.FinishedAt:HH:mm} UTC; {s.DemoRows:N0} demo rows."));
        md.AppendLine(Inv($"- **Keys**: {s.ComparisonTeams} teams of shard {s.ComparisonShard}: hot reads Zipf (s = {s.ZipfExponent}), point reads uniform over their {s.ComparisonTeams * s.LogsPerTeam:N0} demo rows; the same keys and weights for wrk and pgbench."));
        md.AppendLine(Inv($"- **pgbench**: `-M {s.PgbenchModeDirect}` straight to the primary, `-M {s.PgbenchModePgpool}` through Pgpool-II{(s.PgbenchModePgBouncer is null ? "" : $", `-M {s.PgbenchModePgBouncer}` through PgBouncer")}; through DataTier's wire front end the same scripts in `-M {s.PgbenchModeDirect}` (`*-wire-c64`) and `-M simple` (`*-wire-simple-c64`), logging in as the `app` key."));
        if (s.PgBouncer is not null)
        {
            md.AppendLine(Inv($"- **PgBouncer**: {s.PgBouncer}; in front of shard {s.ComparisonShard}'s primary, as pgbench straight to it."));
        }

        if (s.ServerSettings.Count > 0)
        {
            md.AppendLine(Inv($"- **Server settings**: {string.Join("; ", s.ServerSettings)}."));
        }

        md.AppendLine("- The load generators run on the same machine and share its cores with DataTier, PostgreSQL and Redis. CPU is in cores " +
            "(1.00 = one core busy); *foreign* is CPU used by processes outside the benchmark.");
        md.AppendLine("- Latencies include wrk's coordinated-omission correction (with I the mean interval between one connection's requests, " +
            "a latency L >= 2I also counts L-I, L-2I, ... down to I), applied to pgbench's transaction log as well, so one stall weighs " +
            "in the tail as it would for clients that kept sending. Means are corrected the same way.");
        md.AppendLine();

        if (r.Targets.Count > 0)
        {
            md.AppendLine("## Targets");
            md.AppendLine();
            md.AppendLine("| target | goal | measured | met |");
            md.AppendLine("|---|---|---|---|");
            foreach (var t in r.Targets)
            {
                md.AppendLine(Inv($"| {t.Name} | {t.Goal} | {t.Measured} | {(t.Met is null ? "n/a" : t.Met.Value ? "yes" : "**no**")} |"));
            }

            md.AppendLine();
        }

        md.AppendLine("## Scenarios");
        md.AppendLine();
        md.AppendLine("| scenario | what | conns | req/s | p50 ms | p95 ms | p99 ms | p99.9 ms | errors | CPU DataTier | CPU PostgreSQL | CPU Redis | CPU pgpool | CPU PgBouncer | CPU load gen | CPU foreign | RSS max MB | cache hit |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in r.Scenarios)
        {
            var c = x.Cpu;
            string cpu = c is null ? "| | | | | | |" : Inv($"| {c.DataTier + c.DataTierCacheOff:0.00} | {c.Postgres:0.00} | {c.Redis:0.00} | {c.Pgpool:0.00} | {c.PgBouncer:0.00} | {c.LoadGenerator:0.00} | {c.Foreign:0.00} |");
            string hit = x.Cache is { } h && h.Hits + h.Misses > 0 ? Inv($"{h.HitRate:P1}") : "";
            md.AppendLine(Inv($"| `{x.Name}` | {x.Title} | {x.Connections:N0} | {x.RequestsPerSecond:N0} | {x.Latency.P50Ms:0.00} | {x.Latency.P95Ms:0.00} | {x.Latency.P99Ms:0.00} | {x.Latency.P999Ms:0.00} | {x.Errors.Total:N0} {cpu} {(x.Memory is null ? "" : Inv($"{x.Memory.MaxRssMb:0}"))} | {hit} |"));
        }

        md.AppendLine();
        var notes = r.Scenarios.Where(x => x.Notes.Count > 0).ToList();
        if (notes.Count > 0)
        {
            foreach (var x in notes)
            {
                md.AppendLine(Inv($"- `{x.Name}`: {string.Join("; ", x.Notes)}"));
            }

            md.AppendLine();
        }

        if (r.Comparisons.Count > 0)
        {
            md.AppendLine("## Side by side: same statement, same keys, same machine");
            md.AppendLine();
            md.AppendLine("Throughput ratio above 1: DataTier serves more; p99 ratio below 1: DataTier's tail is shorter.");
            md.AppendLine();
            md.AppendLine("| group | DataTier scenario | against | req/s ratio | p99 ratio |");
            md.AppendLine("|---|---|---|---:|---:|");
            foreach (var c in r.Comparisons)
            {
                string against = c.Baseline switch
                {
                    SystemUnderTest.Pgpool => "Pgpool-II",
                    SystemUnderTest.PgBouncer => "PgBouncer",
                    SystemUnderTest.HttpCeiling => "bare Kestrel",
                    _ => "PostgreSQL direct",
                };
                md.AppendLine(Inv($"| {c.Group} | `{c.DataTierScenario}` | {against} (`{c.BaselineScenario}`) | {c.ThroughputRatio:0.00} | {c.P99Ratio:0.00} |"));
            }

            md.AppendLine();
        }

        md.AppendLine("## .NET runtime of the serving DataTier process");
        md.AppendLine();
        md.AppendLine("From the System.Runtime instruments on `/metrics` (the counters dotnet-counters shows), before, halfway through and after each scenario.");
        md.AppendLine();
        md.AppendLine("| scenario | alloc MB/s | GC pause % | gen0 / gen1 / gen2 | lock contentions/s | work items/s | pool threads | queue (mid) |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var x in r.Scenarios.Where(x => x.Runtime is not null))
        {
            var t = x.Runtime!;
            md.AppendLine(Inv($"| `{x.Name}` | {t.AllocatedMbPerSecond:N0} | {t.GcPausePercent:0.0} | {t.Gen0} / {t.Gen1} / {t.Gen2} | {t.LockContentionsPerSecond:N0} | {t.WorkItemsPerSecond:N0} | {t.ThreadPoolThreads} | {t.ThreadPoolQueueLengthMid} |"));
        }

        md.AppendLine();
        md.AppendLine("## Charts");
        md.AppendLine();
        md.AppendLine(Inv($"![timeline]({chartDir}/timeline.svg)"));
        md.AppendLine();
        foreach (var group in r.Scenarios.Select(x => x.Group).Distinct())
        {
            md.AppendLine(Inv($"### {group}"));
            md.AppendLine();
            md.AppendLine(Inv($"![{group}]({chartDir}/group-{group}.svg)"));
            md.AppendLine();
            foreach (var x in r.Scenarios.Where(x => x.Group == group))
            {
                md.AppendLine(Inv($"- [`{x.Name}`]({chartDir}/{x.Name}.svg): {x.Title}"));
            }

            md.AppendLine();
        }

        return md.ToString();
    }

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
