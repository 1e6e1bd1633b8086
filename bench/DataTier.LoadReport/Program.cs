using System.CommandLine;
using System.Globalization;
using DataTier.CommandLine;
using DataTier.LoadReport.Cluster;
using DataTier.LoadReport.Comparison;
using DataTier.LoadReport.Model;
using DataTier.LoadReport.Preparation;
using DataTier.LoadReport.Reporting;
using DataTier.LoadReport.Running;
using DataTier.LoadReport.Sampling;

namespace DataTier.LoadReport;

/// <summary>The harness behind bench/run and bench/compare.</summary>
internal static class Program
{
    /// <summary>DataTier:Postgres:BackendPoolSize's default: the wire front end's backend connections per node.</summary>
    private const int DefaultWirePoolSize = 20;

    private const int UsageExitCode = 2;

    private const int InterruptedExitCode = 130;

    /// <summary>PgBouncer's max_client_conn: the 64 clients of a comparison and room for a second run.</summary>
    private const int PgBouncerMaxClients = 200;

    public static async Task<int> Main(string[] argv)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            return await BuildCommands().RunAsync(argv, Console.Out, Console.Error, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("DataTier.LoadReport: cancelled.");
            return InterruptedExitCode;
        }
    }

    /// <summary>The command tree: prepare, run, report and compare.</summary>
    internal static CommandLineRunner BuildCommands()
    {
        var root = new DocumentedCommand("DataTier.LoadReport", "The load-test harness behind bench/run and bench/compare.",
            "DataTier.LoadReport prepare --manifest manifest.json --data /tmp/bench/data",
            "DataTier.LoadReport compare reports/performance_baseline.json reports/20261204T120000Z.json")
        {
            Notes = $"Exit codes: 0 done; 1 a smoke run had errors or compare found a regression; {UsageExitCode} a wrong command line or input file; {InterruptedExitCode} Ctrl-C.",
        };
        root.Subcommands.Add(BuildPrepare());
        root.Subcommands.Add(BuildRun());
        root.Subcommands.Add(BuildReport());
        root.Subcommands.Add(BuildCompare());
        return new CommandLineRunner(root, UsageExitCode);
    }

    private static Command BuildPrepare()
    {
        var manifest = Required("--manifest", "FILE", "The manifest 'datatier dev up --json' printed.");
        var data = Required("--data", "DIR", "Where the wrk key files and pgbench scripts go.");
        var teams = RangeOptions.Int("--teams", 1, DataPreparer.MaxComparisonTeams, "Teams of the comparison shard to draw keys from.", DataPreparer.MaxComparisonTeams);
        var zipf = RangeOptions.Double("--zipf", 1.001, 10, "The Zipf exponent of the key popularity.", 1.1);
        var pgpoolDir = Optional("--pgpool-dir", "DIR", "Write a Pgpool-II configuration for shard s1 here (needs --pgpool-port).");
        var pgpoolPort = RangeOptions.Int("--pgpool-port", 1024, 65534, "Pgpool-II's port.", helpName: "PORT");
        var children = RangeOptions.Int("--pgpool-children", 1, 1000, "Pgpool-II's num_init_children.", 70);
        var pgbouncerDir = Optional("--pgbouncer-dir", "DIR", "Write a PgBouncer configuration (transaction pooling) for s1's primary here (needs --pgbouncer-port).");
        var pgbouncerPort = RangeOptions.Int("--pgbouncer-port", 1024, 65535, "PgBouncer's port.", helpName: "PORT");
        var poolSize = RangeOptions.Int("--pgbouncer-pool-size", 1, 1000, "PgBouncer's default_pool_size.", DefaultWirePoolSize);
        var command = new DocumentedCommand("prepare",
            "Read the demo keys from the cluster of a 'datatier dev up --json' manifest; write the wrk key files, the pgbench scripts, " +
            "(with --pgpool-dir) a Pgpool-II configuration for shard s1 and (with --pgbouncer-dir) a PgBouncer configuration for s1's primary.",
            "DataTier.LoadReport prepare --manifest manifest.json --data /tmp/bench/data",
            "DataTier.LoadReport prepare --manifest manifest.json --data data --pgpool-dir pgpool --pgpool-port 15432 --pgbouncer-dir pgbouncer --pgbouncer-port 16432")
        {
            manifest, data, teams, zipf, pgpoolDir, pgpoolPort, children, pgbouncerDir, pgbouncerPort, poolSize,
        };
        command.SetAction((parsed, ct) => PrepareAsync(DevClusterManifest.Load(parsed.GetValue(manifest)!), parsed.GetValue(data)!, parsed.GetValue(teams)!.Value,
            parsed.GetValue(zipf)!.Value, parsed.GetValue(pgpoolDir), parsed.GetValue(pgpoolPort), parsed.GetValue(children)!.Value, parsed.GetValue(pgbouncerDir),
            parsed.GetValue(pgbouncerPort), parsed.GetValue(poolSize)!.Value, ct));
        return command;
    }

    private static Command BuildRun()
    {
        var manifest = Required("--manifest", "FILE", "The manifest 'datatier dev up --json' printed.");
        var data = Required("--data", "DIR", "What prepare wrote.");
        var loadDir = Required("--load-dir", "DIR", "The wrk Lua scripts (bench/load).");
        var cacheOffUrl = Required("--cache-off-url", "URL", "The second DataTier server, with its cache off.");
        var ceilingUrl = Optional("--ceiling-url", "URL", "The bare-Kestrel reference (bench/DataTier.HttpCeiling).");
        var serverDll = Optional("--server-dll", "DLL", "The server the fresh-start scenario starts (with --server-config).");
        var serverConfig = Optional("--server-config", "FILE", "The configuration it starts with.");
        var pgpoolPort = RangeOptions.Int("--pgpool-port", 1, 65535, "Pgpool-II's port.", helpName: "PORT");
        pgpoolPort.Required = true;
        var cacheOffWirePort = RangeOptions.Int("--cache-off-wire-port", 1, 65535, "The cache-off server's PostgreSQL wire port.", helpName: "PORT");
        var pgbouncerPort = RangeOptions.Int("--pgbouncer-port", 1, 65535, "PgBouncer's port (its scenarios run only with it).", helpName: "PORT");
        var poolSize = RangeOptions.Int("--pgbouncer-pool-size", 1, 1000, "PgBouncer's default_pool_size.", DefaultWirePoolSize);
        var serverPid = Pid("--server-pid", "The DataTier server's PID (sampled).");
        var cacheOffPid = Pid("--cache-off-pid", "The cache-off server's PID.");
        var redisPid = Pid("--redis-pid", "Redis' PID.");
        var pgpoolPid = Pid("--pgpool-pid", "Pgpool-II's PID.");
        var pgbouncerPid = Pid("--pgbouncer-pid", "PgBouncer's PID.");
        var postgresPids = Optional("--postgres-pids", "P,P,...", "The PostgreSQL servers' PIDs.");
        var duration = RangeOptions.Int("--duration", 1, 3600, "Seconds per scenario.", 20, "SECONDS");
        var smoke = new Option<bool>("--smoke") { Description = "No speed targets: exit 1 when any scenario had an error." };
        var outDir = Required("--out", "DIR", "Where the report goes.");
        var stamp = Required("--stamp", "STAMP", "The report's name.");
        var rows = RangeOptions.Int("--rows", 0, int.MaxValue, "The demo rows the cluster holds (for the report).", 0);
        var commit = Optional("--commit", "C", "The commit measured (for the report).");
        var serverSettings = Optional("--server-settings", "\"a; b\"", "Settings the servers ran with beyond the defaults (for the report).");
        var only = Optional("--only", "NAME,NAME", "Run only these scenarios, after the warm-up.");
        var command = new DocumentedCommand("run", "Warm up, run every scenario, write <out>/<stamp>.json, .md and <stamp>/*.svg.",
            "DataTier.LoadReport run --manifest m.json --data data --load-dir bench/load --cache-off-url http://127.0.0.1:15081 " +
            "--pgpool-port 15432 --out reports --stamp 20261204T120000Z --smoke",
            "bench/run --smoke   # how bench/run calls it, with every PID and port")
        {
            manifest, data, loadDir, cacheOffUrl, pgpoolPort, outDir, stamp, serverPid, cacheOffPid, redisPid, postgresPids, pgpoolPid,
            duration, smoke, rows, commit, serverSettings, only, ceilingUrl, serverDll, serverConfig, cacheOffWirePort, pgbouncerPort, pgbouncerPid, poolSize,
        };
        command.SetAction((parsed, ct) =>
        {
            int? bouncer = parsed.GetValue(pgbouncerPort);
            var options = new RunOptions
            {
                Manifest = DevClusterManifest.Load(parsed.GetValue(manifest)!),
                Data = PreparedData.Load(parsed.GetValue(data)!),
                LoadDir = Path.GetFullPath(parsed.GetValue(loadDir)!),
                CacheOffUrl = parsed.GetValue(cacheOffUrl)!,
                CeilingUrl = parsed.GetValue(ceilingUrl),
                ServerDll = parsed.GetValue(serverDll),
                ServerConfig = parsed.GetValue(serverConfig),
                PgpoolPort = parsed.GetValue(pgpoolPort)!.Value,
                CacheOffWirePort = parsed.GetValue(cacheOffWirePort),
                PgBouncerPort = bouncer,
                PgBouncerPoolSize = parsed.GetValue(poolSize)!.Value,
                PgBouncer = bouncer is null ? null : PgBouncerFeatures.Detect(),
                Processes = new ProcessGroups(
                    parsed.GetValue(serverPid)!.Value,
                    parsed.GetValue(cacheOffPid)!.Value,
                    (parsed.GetValue(postgresPids) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                        .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList(),
                    parsed.GetValue(redisPid)!.Value,
                    parsed.GetValue(pgpoolPid)!.Value,
                    parsed.GetValue(pgbouncerPid)!.Value,
                    Environment.ProcessId),
                DurationSeconds = parsed.GetValue(duration)!.Value,
                Smoke = parsed.GetValue(smoke),
                OutDir = Path.GetFullPath(parsed.GetValue(outDir)!),
                Stamp = parsed.GetValue(stamp)!,
                DemoRows = parsed.GetValue(rows)!.Value,
                Commit = parsed.GetValue(commit) ?? "unknown",
                ServerSettings = (parsed.GetValue(serverSettings) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Only = (parsed.GetValue(only) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            return RunAsync(options, ct);
        });
        return command;
    }

    private static Command BuildReport()
    {
        var file = new Argument<string>("FILE.json") { Description = "A report bench/run wrote." };
        var outDir = Optional("--out", "DIR", "Where the summary and charts go (default: beside the report).");
        var command = new DocumentedCommand("report", "Write the Markdown summary and charts of a report again.",
            "DataTier.LoadReport report reports/20261204T120000Z.json",
            "DataTier.LoadReport report reports/20261204T120000Z.json --out /tmp/summary") { file, outDir };
        command.SetAction(parsed => Report(parsed.GetValue(file)!, parsed.GetValue(outDir)));
        return command;
    }

    private static Command BuildCompare()
    {
        var baseline = new Argument<string>("BASELINE.json") { Description = "The report to compare against." };
        var candidate = new Argument<string>("NEW.json") { Description = "The new report." };
        var threshold = RangeOptions.Double("--threshold", 0, 1000, "The largest drop in throughput, or rise in p99, that passes (%).", 10, "PERCENT");
        var command = new DocumentedCommand("compare",
            "Exit 1 when a DataTier scenario's throughput drops, or its p99 rises, by more than the threshold (%).",
            "DataTier.LoadReport compare reports/performance_baseline.json reports/20261204T120000Z.json",
            "DataTier.LoadReport compare old.json new.json --threshold 15")
        {
            baseline, candidate, threshold,
        };
        command.SetAction(parsed => Compare(parsed.GetValue(baseline)!, parsed.GetValue(candidate)!, parsed.GetValue(threshold)!.Value));
        return command;
    }

    private static Option<string> Required(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName, Required = true };

    private static Option<string?> Optional(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    private static Option<int?> Pid(string name, string description) => RangeOptions.Int(name, 0, int.MaxValue, description, 0, "PID");

    private static async Task<int> PrepareAsync(DevClusterManifest manifest, string data, int teams, double zipf, string? pgpoolDir, int? pgpoolPort, int children,
        string? pgbouncerDir, int? pgbouncerPort, int poolSize, CancellationToken ct)
    {
        var prepared = await DataPreparer.PrepareAsync(manifest, data, teams, zipf, ct);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"prepared {prepared.ComparisonTeams.Count} teams of {prepared.ShardId} ({prepared.LogsPerTeam} point keys each) in {prepared.DataDir}"));
        if (pgpoolDir is not null)
        {
            PgpoolConfigWriter.Write(manifest.ComparisonShard, pgpoolDir, pgpoolPort ?? throw new UsageException("--pgpool-dir needs --pgpool-port."), children);
            Console.Error.WriteLine($"wrote the Pgpool-II configuration to {Path.GetFullPath(pgpoolDir)}");
        }

        if (pgbouncerDir is not null)
        {
            var features = PgBouncerFeatures.Detect();
            PgBouncerConfigWriter.Write(manifest.ComparisonShard, pgbouncerDir, pgbouncerPort ?? throw new UsageException("--pgbouncer-dir needs --pgbouncer-port."),
                poolSize, PgBouncerMaxClients, features);
            Console.Error.WriteLine($"wrote the PgBouncer configuration to {Path.GetFullPath(pgbouncerDir)} ({features.Describe(poolSize)})");
        }

        return 0;
    }

    private static async Task<int> RunAsync(RunOptions options, CancellationToken ct)
    {
        var report = await new BenchRunner(options, Console.Error).RunAsync(ct);
        var (json, markdown) = ReportWriter.Write(report, options.OutDir);
        Console.Error.WriteLine($"report: {json}\nsummary: {markdown}");
        foreach (var target in report.Targets)
        {
            string met = target.Met is null ? "n/a" : target.Met.Value ? "met" : "NOT met";
            Console.Error.WriteLine($"target {target.Name}: {target.Measured} ({target.Goal}): {met}");
        }

        var failing = report.Scenarios.Where(s => s.Errors.Total > 0).ToList();
        foreach (var s in failing)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"errors in {s.Name}: {s.Errors.Total} ({string.Join("; ", s.Notes)})"));
        }

        return options.Smoke && failing.Count > 0 ? 1 : 0;
    }

    private static int Report(string path, string? outDir)
    {
        outDir ??= Path.GetDirectoryName(Path.GetFullPath(path))!;
        var report = BenchReport.Load(path);
        var (_, markdown) = ReportWriter.Write(report, outDir, Path.GetFileNameWithoutExtension(path));
        Console.Error.WriteLine($"summary: {markdown}");
        return 0;
    }

    private static int Compare(string basePath, string newPath, double threshold)
    {
        var baseline = BenchReport.Load(basePath);
        var candidate = BenchReport.Load(newPath);
        if (baseline.Settings.Smoke || candidate.Settings.Smoke)
        {
            throw new UsageException("A smoke run (--smoke) only checks for errors; compare two full runs.");
        }

        var (verdicts, factor) = ReportComparer.Compare(baseline, candidate, threshold);
        ReportComparer.Print(Console.Out, baseline, candidate, verdicts, factor, threshold);
        return verdicts.Any(v => v.Regressed) ? 1 : 0;
    }

}
