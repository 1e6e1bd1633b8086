using System.Globalization;
using DataTier.LoadReport.Cluster;
using DataTier.LoadReport.CommandLine;
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
    private const string Usage = """
        Usage: DataTier.LoadReport <command>

          prepare --manifest FILE --data DIR [--teams 100] [--zipf 1.1] [--pgpool-dir DIR --pgpool-port PORT [--pgpool-children 70]]
              [--pgbouncer-dir DIR --pgbouncer-port PORT [--pgbouncer-pool-size 20]]
              Read the demo keys from the cluster of a 'datatier dev up --json' manifest; write the wrk key files,
              the pgbench scripts, (with --pgpool-dir) a Pgpool-II configuration for shard s1 and (with
              --pgbouncer-dir) a PgBouncer configuration, transaction pooling, for s1's primary.
          run --manifest FILE --data DIR --load-dir DIR --cache-off-url URL --pgpool-port PORT --out DIR --stamp STAMP
              --server-pid PID --cache-off-pid PID --redis-pid PID --postgres-pids P,P,... --pgpool-pid PID
              [--duration 20] [--smoke] [--rows N] [--commit C] [--server-settings "a; b"] [--only NAME,NAME]
              [--ceiling-url URL] [--server-dll DLL --server-config FILE]
              [--cache-off-wire-port PORT] [--pgbouncer-port PORT --pgbouncer-pid PID [--pgbouncer-pool-size 20]]
              Warm up, run every scenario, write <out>/<stamp>.json, .md and <stamp>/*.svg.
              --smoke: exit 1 when any scenario had an error.
          report FILE.json [--out DIR]
              Write the Markdown summary and charts of a report again.
          compare BASELINE.json NEW.json [--threshold 10]
              Exit 1 when a DataTier scenario's throughput drops, or its p99 rises, by more than the threshold (%).
        """;

    /// <summary>DataTier:Postgres:BackendPoolSize's default: the wire front end's backend connections per node.</summary>
    private const int DefaultWirePoolSize = 20;

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

        var args = new OptionReader(argv);
        try
        {
            return args.Positional() switch
            {
                "prepare" => await PrepareAsync(args, cancel.Token),
                "run" => await RunAsync(args, cancel.Token),
                "report" => Report(args),
                "compare" => Compare(args),
                "help" or null => Help(),
                string other => throw new UsageException($"Unknown command '{other}'.\n{Usage}"),
            };
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("DataTier.LoadReport: " + e.Message);
            return 2;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("DataTier.LoadReport: cancelled.");
            return 130;
        }
    }

    private static int Help()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    private static async Task<int> PrepareAsync(OptionReader args, CancellationToken ct)
    {
        var manifest = DevClusterManifest.Load(args.Required("--manifest"));
        string data = args.Required("--data");
        int teams = args.Int("--teams", 1, DataPreparer.MaxComparisonTeams) ?? DataPreparer.MaxComparisonTeams;
        double zipf = args.Double("--zipf", 1.001, 10) ?? 1.1;
        string? pgpoolDir = args.Option("--pgpool-dir");
        int? pgpoolPort = args.Int("--pgpool-port", 1024, 65534);
        int children = args.Int("--pgpool-children", 1, 1000) ?? 70;
        string? pgbouncerDir = args.Option("--pgbouncer-dir");
        int? pgbouncerPort = args.Int("--pgbouncer-port", 1024, 65535);
        int poolSize = args.Int("--pgbouncer-pool-size", 1, 1000) ?? DefaultWirePoolSize;
        args.EnsureAllUsed();

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

    private static async Task<int> RunAsync(OptionReader args, CancellationToken ct)
    {
        var manifest = DevClusterManifest.Load(args.Required("--manifest"));
        var data = PreparedData.Load(args.Required("--data"));
        int? pgbouncerPort = args.Int("--pgbouncer-port", 1, 65535);
        var options = new RunOptions
        {
            Manifest = manifest,
            Data = data,
            LoadDir = Path.GetFullPath(args.Required("--load-dir")),
            CacheOffUrl = args.Required("--cache-off-url"),
            CeilingUrl = args.Option("--ceiling-url"),
            ServerDll = args.Option("--server-dll"),
            ServerConfig = args.Option("--server-config"),
            PgpoolPort = args.Int("--pgpool-port", 1, 65535) ?? throw new UsageException("--pgpool-port is required."),
            CacheOffWirePort = args.Int("--cache-off-wire-port", 1, 65535),
            PgBouncerPort = pgbouncerPort,
            PgBouncerPoolSize = args.Int("--pgbouncer-pool-size", 1, 1000) ?? DefaultWirePoolSize,
            PgBouncer = pgbouncerPort is null ? null : PgBouncerFeatures.Detect(),
            Processes = new ProcessGroups(
                Pid(args, "--server-pid"),
                Pid(args, "--cache-off-pid"),
                (args.Option("--postgres-pids") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToList(),
                Pid(args, "--redis-pid"),
                Pid(args, "--pgpool-pid"),
                Pid(args, "--pgbouncer-pid"),
                Environment.ProcessId),
            DurationSeconds = args.Int("--duration", 1, 3600) ?? 20,
            Smoke = args.Flag("--smoke"),
            OutDir = Path.GetFullPath(args.Required("--out")),
            Stamp = args.Required("--stamp"),
            DemoRows = args.Int("--rows", 0, int.MaxValue) ?? 0,
            Commit = args.Option("--commit") ?? "unknown",
            ServerSettings = (args.Option("--server-settings") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            Only = (args.Option("--only") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
        args.EnsureAllUsed();

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

    private static int Report(OptionReader args)
    {
        string path = args.Positional() ?? throw new UsageException("report needs a report file.");
        string outDir = args.Option("--out") ?? Path.GetDirectoryName(Path.GetFullPath(path))!;
        args.EnsureAllUsed();
        var report = BenchReport.Load(path);
        var (_, markdown) = ReportWriter.Write(report, outDir, Path.GetFileNameWithoutExtension(path));
        Console.Error.WriteLine($"summary: {markdown}");
        return 0;
    }

    private static int Compare(OptionReader args)
    {
        string basePath = args.Positional() ?? throw new UsageException("compare needs BASELINE.json and NEW.json.");
        string newPath = args.Positional() ?? throw new UsageException("compare needs BASELINE.json and NEW.json.");
        double threshold = args.Double("--threshold", 0, 1000) ?? 10;
        args.EnsureAllUsed();
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

    private static int Pid(OptionReader args, string name) => args.Int(name, 0, int.MaxValue) ?? 0;
}
