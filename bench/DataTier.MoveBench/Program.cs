using System.Globalization;
using System.Runtime.InteropServices;
using DataTier.DevCluster;
using DataTier.MoveBench.Cluster;
using DataTier.MoveBench.CommandLine;
using DataTier.MoveBench.Reporting;

namespace DataTier.MoveBench;

/// <summary>The move-rate bench behind bench/move-rate.</summary>
internal static class Program
{
    private const string Usage = """
        Usage: DataTier.MoveBench [run] [--rows 200000] [--out DIR] [--work DIR] [--port PORT] [--stamp STAMP]
                                  [--commit C] [--no-load] [--writers 4] [--write-rate 25] [--keep-logs DIR]
            Start a cluster in --work (a new temporary directory by default; deleted at the end), an empty shard s3
            and a DataTier server in process on 127.0.0.1:PORT; measure the moves 2 -> 3 -> 2 shards idle and then
            under the write load (--writers x --write-rate writes/s; --no-load skips them); write
            <out>/move-rate-<stamp>.json and .md (default out: bench/results) and print the Markdown.
            On failure the server's and the cluster's logs are copied to --keep-logs first.
          DataTier.MoveBench down --work DIR
            Stop the cluster a killed run left in DIR/cluster and delete DIR.
        """;

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

        var args = new OptionReader(argv);
        try
        {
            return args.Positional() switch
            {
                "run" or null => await RunAsync(args, cancel.Token),
                "down" => await DownAsync(args),
                "help" => Help(),
                string other => throw new UsageException($"Unknown command '{other}'.\n{Usage}"),
            };
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("move-rate: " + e.Message);
            return 2;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("move-rate: cancelled.");
            return 130;
        }
        catch (Exception e) when (e is BenchFailedException or DevClusterException or TimeoutException or Npgsql.NpgsqlException or HttpRequestException or IOException)
        {
            await Console.Error.WriteLineAsync("move-rate: failed: " + e.Message);
            return 1;
        }
    }

    private static int Help()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    private static async Task<int> RunAsync(OptionReader args, CancellationToken ct)
    {
        string stamp = args.Option("--stamp") ?? DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string? work = args.Option("--work");
        var options = new BenchOptions
        {
            Rows = args.Int("--rows", 1_000, 50_000_000) ?? 200_000,
            OutDir = Path.GetFullPath(args.Option("--out") ?? Path.Combine(RepositoryRoot(), "bench", "results")),
            WorkDir = Path.GetFullPath(work ?? NewWorkDir()),
            Port = args.Int("--port", 0, 65535) ?? 0,
            Stamp = stamp,
            Commit = args.Option("--commit") ?? "unknown",
            WithLoad = !args.Flag("--no-load"),
            Writers = args.Int("--writers", 1, 64) ?? 4,
            WritesPerSecondPerWriter = args.Int("--write-rate", 1, 1000) ?? 25,
        };
        string keepLogs = Path.GetFullPath(args.Option("--keep-logs") ?? Path.Combine(Path.GetTempPath(), $"datatier-move-rate-logs-{stamp}"));
        args.EnsureAllUsed();
        if (work is not null && Directory.Exists(options.WorkDir) && Directory.EnumerateFileSystemEntries(options.WorkDir).Any())
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

    private static async Task<int> DownAsync(OptionReader args)
    {
        string work = Path.GetFullPath(args.Option("--work") ?? throw new UsageException("down needs --work DIR."));
        args.EnsureAllUsed();
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
