using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DataTier.DevCluster;
using DataTier.MoveBench.Cluster;
using DataTier.CommandLine;
using DataTier.MoveBench.CommandLine;
using DataTier.MoveBench.Reporting;

namespace DataTier.MoveBench;

/// <summary>The move-rate bench behind bench/move-rate.</summary>
internal static class Program
{
    private const int UsageExitCode = 2;

    private const int InterruptedExitCode = 130;

    public static async Task<int> Main(string[] argv)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        // SIGTERM too ends the run through its cleanup (the cluster's PostgreSQL and Redis outlive this process).
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            cancel.Cancel();
        });

        try
        {
            return await BuildCommands().RunAsync(argv, Console.Out, Console.Error, cancel.Token);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("move-rate: cancelled.");
            return InterruptedExitCode;
        }
        catch (Exception e) when (e is BenchFailedException or DevClusterException or TimeoutException or Npgsql.NpgsqlException or HttpRequestException or IOException)
        {
            await Console.Error.WriteLineAsync("move-rate: failed: " + e.Message);
            return 1;
        }
    }

    /// <summary>The command tree: run (also with no command, as before) and down.</summary>
    internal static CommandLineRunner BuildCommands()
    {
        var stamp = new Option<string?>("--stamp") { Description = "UTC stamp in the result files' names (default: now).", HelpName = "STAMP" };
        var work = new Option<string?>("--work") { Description = "A new or empty directory for the cluster (default: a new temporary one); deleted at the end.", HelpName = "DIR" };
        var rows = RangeOptions.Int("--rows", 1_000, 50_000_000, "Demo activity_logs rows (the other tables scale with it).", 200_000);
        var outDir = new Option<string?>("--out") { Description = "Where the JSON and Markdown go (default: bench/results).", HelpName = "DIR" };
        var port = RangeOptions.Int("--port", 0, 65535, "The in-process server's port on 127.0.0.1 (0: any free one).", 0, "PORT");
        var commit = new Option<string?>("--commit") { Description = "The commit measured (for the report).", HelpName = "C" };
        var noLoad = new Option<bool>("--no-load") { Description = "Skip the moves under the write load." };
        var writers = RangeOptions.Int("--writers", 1, 64, "Concurrent writers of the write load.", 4);
        var writeRate = RangeOptions.Int("--write-rate", 1, 1000, "Writes per second each writer aims at.", 25);
        var keepLogs = new Option<string?>("--keep-logs") { Description = "Where the server's and the cluster's logs are copied on failure.", HelpName = "DIR" };
        Option[] runOptions = [rows, outDir, work, port, stamp, commit, noLoad, writers, writeRate, keepLogs];

        // 'run' is also what the tool does with no command: the root takes the same options and the same action.
        var root = new DocumentedCommand("DataTier.MoveBench",
            "The move-rate bench behind bench/move-rate: start a cluster in --work, an empty shard s3 and a DataTier server in process on " +
            "127.0.0.1:PORT; measure the moves 2 -> 3 -> 2 shards idle and then under the write load (--writers x --write-rate writes/s; " +
            "--no-load skips them); write <out>/move-rate-<stamp>.json and .md and print the Markdown. On failure the logs are copied to --keep-logs first.",
            "DataTier.MoveBench --rows 20000 --no-load",
            "DataTier.MoveBench down --work /tmp/datatier-move-rate.abc123")
        {
            Notes = $"Exit codes: 0 done; 1 the bench failed; {UsageExitCode} a wrong command line; {InterruptedExitCode} Ctrl-C or SIGTERM.",
        };
        var run = new DocumentedCommand("run", "Measure the moves (the same as no command).",
            "DataTier.MoveBench run --rows 200000 --out bench/results --port 15080",
            "bench/move-rate --no-load   # how bench/move-rate calls it");
        foreach (var option in runOptions)
        {
            root.Options.Add(option);
            run.Options.Add(option);
        }

        root.SetAction(RunAsync);
        run.SetAction(RunAsync);

        var downWork = new Option<string>("--work") { Description = "The directory a killed run left.", HelpName = "DIR", Required = true };
        var down = new DocumentedCommand("down", "Stop the cluster a killed run left in DIR/cluster and delete DIR.",
            "DataTier.MoveBench down --work /tmp/datatier-move-rate.abc123",
            "bench/move-rate   # calls it on exit when the run could not stop its cluster") { downWork };
        down.SetAction((parsed, _) => DownAsync(parsed.GetValue(downWork)!));
        root.Subcommands.Add(run);
        root.Subcommands.Add(down);
        return new CommandLineRunner(root, UsageExitCode);

        Task<int> RunAsync(ParseResult parsed, CancellationToken ct)
        {
            string when = parsed.GetValue(stamp) ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            string? workDir = parsed.GetValue(work);
            var options = new BenchOptions
            {
                Rows = parsed.GetValue(rows)!.Value,
                OutDir = Path.GetFullPath(parsed.GetValue(outDir) ?? Path.Combine(RepositoryRoot(), "bench", "results")),
                WorkDir = Path.GetFullPath(workDir ?? NewWorkDir()),
                Port = parsed.GetValue(port)!.Value,
                Stamp = when,
                Commit = parsed.GetValue(commit) ?? "unknown",
                WithLoad = !parsed.GetValue(noLoad),
                Writers = parsed.GetValue(writers)!.Value,
                WritesPerSecondPerWriter = parsed.GetValue(writeRate)!.Value,
            };
            string logs = Path.GetFullPath(parsed.GetValue(keepLogs) ?? Path.Combine(Path.GetTempPath(), $"datatier-move-rate-logs-{when}"));
            return MeasureAsync(options, workDir is not null, logs, ct);
        }
    }

    private static async Task<int> MeasureAsync(BenchOptions options, bool workGiven, string keepLogs, CancellationToken ct)
    {
        if (workGiven && Directory.Exists(options.WorkDir) && Directory.EnumerateFileSystemEntries(options.WorkDir).Any())
        {
            throw new UsageException($"--work {options.WorkDir} is not empty; give a new or empty directory (it is deleted at the end).");
        }

        Directory.CreateDirectory(options.WorkDir);
        try
        {
            var report = await new MoveRateBench(options, keepLogs, Console.Error).RunAsync(ct);
            var (json, markdown) = ReportFiles.Write(report, options.OutDir);
            Console.Error.WriteLine($"move-rate: wrote {json} and {markdown}");
            Console.WriteLine(await File.ReadAllTextAsync(markdown, CancellationToken.None));
            return 0;
        }
        finally
        {
            RemoveWorkDir(options.WorkDir);
        }
    }

    private static async Task<int> DownAsync(string work)
    {
        work = Path.GetFullPath(work);
        await BenchCluster.StopAsync(Path.Combine(work, "cluster"), Console.Error);
        RemoveWorkDir(work);
        return 0;
    }

    // Only once the cluster is gone: a cluster that could not be stopped keeps its state file, and with it the way
    // to stop it later ('./datatier dev down --dir').
    private static void RemoveWorkDir(string work)
    {
        string state = Path.Combine(work, "cluster", "cluster.json");
        if (File.Exists(state))
        {
            Console.Error.WriteLine($"move-rate: left {work} in place: the cluster there may still run; stop it with ./datatier dev down --dir {Path.GetDirectoryName(state)}");
            return;
        }

        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // PostgreSQL runs as 'postgres' and must be able to traverse into the cluster's directory.
    private static string NewWorkDir()
    {
        var dir = Directory.CreateTempSubdirectory("datatier-move-rate-");
        if (OperatingSystem.IsWindows())
        {
            throw new UsageException("The dev cluster runs on Linux only.");
        }

        File.SetUnixFileMode(dir.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        return dir.FullName;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DataTier.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
