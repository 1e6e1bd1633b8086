using System.Diagnostics;
using System.Globalization;
using DataTier.MoveBench.Cluster;
using DataTier.MoveBench.CommandLine;
using DataTier.MoveBench.Load;
using DataTier.MoveBench.Moves;
using DataTier.MoveBench.Reporting;
using DataTier.MoveBench.Server;

namespace DataTier.MoveBench;

/// <summary>
/// One run: its own cluster and server, then the moves side by side: (a) add s3 and move 2 -> 3 shards idle,
/// (b) drain s3 and move back idle, and with the write load (c) the same 2 -> 3 and (d) the drain back, the load
/// running through both. The cluster is stopped whatever happens; on failure the logs are kept first.
/// </summary>
internal sealed class MoveRateBench(BenchOptions options, string keepLogsDir, TextWriter log)
{
    private string ClusterDir => Path.Combine(options.WorkDir, "cluster");

    private string ServerLog => Path.Combine(options.WorkDir, "server.log");

    public async Task<MoveRateReport> RunAsync(CancellationToken ct)
    {
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"move-rate: starting a cluster with {options.Rows:N0} demo rows in {ClusterDir} ..."));
        await using var cluster = await BenchCluster.StartAsync(ClusterDir, options.Rows, log, ct);
        try
        {
            await using var server = await InProcessServer.StartAsync(cluster.Manifest, options.Port, ServerLog, ct);
            await log.WriteLineAsync($"move-rate: server on {server.BaseAddress} (log: {server.LogPath})");
            return await MeasureAsync(cluster, server, ct);
        }
        catch
        {
            KeepLogs();
            throw;
        }
    }

    private async Task<MoveRateReport> MeasureAsync(BenchCluster cluster, InProcessServer server, CancellationToken ct)
    {
        using var adminClient = server.CreateClient(cluster.Manifest.Keys.Admin);
        using var appClient = server.CreateClient(cluster.Manifest.Keys.App);
        var admin = new AdminApi(adminClient);
        var runner = new MoveRunner(admin, log);
        var moves = new List<MoveResult>();
        var notes = new List<string>
        {
            "Before each move every shard's tables are rewritten compactly (VACUUM (FULL, ANALYZE), not timed), so each starts from tables as a fresh load " +
            "leaves them: otherwise the dead rows of the previous moves make the next copy scan more pages and inflate the plan's bytes (size per row).",
        };
        const string S3 = BenchCluster.ExtraShardId;

        await admin.AddShardAsync(S3, cluster.ExtraShardConnectionString, ct);
        await CompactAsync(cluster, ct);
        moves.Add(await runner.RunAsync(new MoveScenario("a: add s3", 2, 3, UnderLoad: false), null, ct));
        await admin.DrainAsync(S3, ct);
        await CompactAsync(cluster, ct);
        moves.Add(await runner.RunAsync(new MoveScenario("b: drain s3", 3, 2, UnderLoad: false), null, ct));
        await CheckDrainedAsync(cluster, moves[^1], ct);
        await admin.RemoveAsync(S3, ct);

        if (options.WithLoad)
        {
            var teams = new List<string>();
            foreach (var shard in cluster.Manifest.Shards)
            {
                teams.AddRange(await Sql.StringsAsync(shard.Primary, "select team_id from teams", ct));
            }

            var load = new WriteLoad(appClient, teams, options.Writers, options.WritesPerSecondPerWriter);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var running = load.RunAsync(stop.Token);
            try
            {
                // Warm-up: the first writes pay for JIT and new connections; the windows start after it.
                await Task.Delay(TimeSpan.FromSeconds(2), ct);
                await admin.AddShardAsync(S3, cluster.ExtraShardConnectionString, ct);
                await CompactAsync(cluster, ct);
                moves.Add(await runner.RunAsync(new MoveScenario("c: add s3", 2, 3, UnderLoad: true), load, ct));
                await admin.DrainAsync(S3, ct);
                await CompactAsync(cluster, ct);
                moves.Add(await runner.RunAsync(new MoveScenario("d: drain s3", 3, 2, UnderLoad: true), load, ct));
            }
            finally
            {
                await stop.CancelAsync();
                await running;
            }

            await CheckDrainedAsync(cluster, moves[^1], ct);
            await admin.RemoveAsync(S3, ct);
            long deleted = await load.DeleteRowsAsync(ct);
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Write load (c, d): {options.Writers} writers x {options.WritesPerSecondPerWriter} writes/s through POST /v1/execute, half inserts of new users " +
                $"(user_id >= {WriteLoad.FirstUserId:N0}), half updates of them, running from before c to after d; each move's figures cover the writes sent from its POST to 0.5 s after done. " +
                $"Its {deleted:N0} rows were deleted through DataTier afterwards."));
            await SweepLoadRowsAsync(cluster, notes, ct);
        }

        string version = await Sql.ScalarAsync<string>(cluster.Manifest.Shards[0].Primary, "show server_version", ct);
        return new MoveRateReport
        {
            Stamp = options.Stamp,
            Commit = options.Commit,
            Machine = MachineInfo.Probe(version),
            DemoRows = options.Rows,
            Cluster = "catalog + 2 shards (a primary and 1 streaming replica each) + Redis, every PostgreSQL instance on this machine; s3 is a new database on the catalog's server",
            ServerSettings = server.Settings,
            Moves = moves,
            Notes = notes,
        };
    }

    private async Task CompactAsync(BenchCluster cluster, CancellationToken ct)
    {
        long started = Stopwatch.GetTimestamp();
        await cluster.CompactAsync(ct);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"move-rate: compacted the shards' tables (vacuum full) in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s"));
    }

    // A drained shard must be empty once its move is done: the rates would mean little if rows stayed behind.
    private static async Task CheckDrainedAsync(BenchCluster cluster, MoveResult drain, CancellationToken ct)
    {
        foreach (var table in drain.Tables)
        {
            long left = await Sql.ScalarAsync<long>(cluster.ExtraShardConnectionString, $"select count(*) from {table.Name}", ct);
            if (left > 0)
            {
                throw new BenchFailedException($"{drain.Name}: s3 still holds {left} row(s) of {table.Name} after its drain finished.");
            }
        }
    }

    // The load's rows are deleted through DataTier; anything left (an insert whose answer was lost) goes directly.
    private static async Task SweepLoadRowsAsync(BenchCluster cluster, List<string> notes, CancellationToken ct)
    {
        foreach (var (shard, primary) in cluster.Primaries)
        {
            int left = await Sql.ExecuteAsync(primary, $"delete from users where user_id >= {WriteLoad.FirstUserId}", ct);
            if (left > 0)
            {
                notes.Add($"{left} row(s) of the write load were left on {shard} and deleted directly.");
            }
        }
    }

    private void KeepLogs()
    {
        try
        {
            Directory.CreateDirectory(keepLogsDir);
            if (File.Exists(ServerLog))
            {
                File.Copy(ServerLog, Path.Combine(keepLogsDir, "server.log"), overwrite: true);
            }

            string clusterLogs = Path.Combine(ClusterDir, "logs");
            if (Directory.Exists(clusterLogs))
            {
                foreach (string file in Directory.EnumerateFiles(clusterLogs, "*", SearchOption.AllDirectories))
                {
                    string target = Path.Combine(keepLogsDir, "cluster-logs", Path.GetRelativePath(clusterLogs, file));
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    File.Copy(file, target, overwrite: true);
                }
            }

            log.WriteLine($"move-rate: logs kept in {keepLogsDir}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.WriteLine($"move-rate: could not keep the logs in {keepLogsDir}: {e.Message}");
        }
    }
}
