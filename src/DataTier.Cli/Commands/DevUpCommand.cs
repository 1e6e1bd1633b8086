using System.CommandLine;
using DataTier.CommandLine;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary><c>datatier dev up</c>: starts (or reuses) the local cluster and says how to reach it.</summary>
internal static class DevUpCommand
{
    public static Command Build()
    {
        var shards = RangeOptions.Int("--shards", 1, 16, "Shards, each a primary with its replicas.", defaultValue: 2);
        var replicas = RangeOptions.Int("--replicas", 0, 4, "Streaming replicas per shard.", defaultValue: 1);
        var rows = RangeOptions.Int("--rows", 0, 50_000_000, "Demo activity_logs rows (the other tables scale with it; '_' may group digits).", defaultValue: LocalClusterOptions.DefaultRows);
        var ha = new Option<bool>("--ha") { Description = "Hand each shard to Patroni with one etcd member (packages patroni, etcd-server)." };
        var json = new Option<bool>("--json") { Description = "Print only the manifest JSON on stdout; progress goes to stderr." };
        var noServer = new Option<bool>("--no-server") { Description = "Start the databases (and Redis) only, not the DataTier server." };
        var noRedis = new Option<bool>("--no-redis") { Description = "Start no Redis (the server caches in process only)." };
        var noData = new Option<bool>("--no-data") { Description = "Load no demo data." };
        var dir = DevDirOption.Create();
        var serverDll = new Option<string?>("--server-dll")
        {
            Description = $"The server dll to start (default: ${CliEnvironment.ServerDllVariable}, which ./datatier sets).",
            HelpName = "PATH",
        };
        var command = new DocumentedCommand("up", "Start a local cluster (catalog, shards with streaming replicas, Redis, the server), or reuse the running one.",
            "datatier dev up",
            "datatier dev up --json --shards 3 --rows 20_000 > manifest.json",
            "datatier dev up --ha")
        {
            shards, replicas, rows, ha, json, noServer, noRedis, noData, dir, serverDll,
        };
        command.SetAction((parsed, ct) => RunAsync(parsed, ct));
        return command;

        async Task<int> RunAsync(ParseResult parsed, CancellationToken ct)
        {
            var stdout = parsed.InvocationConfiguration.Output;
            var options = new LocalClusterOptions
            {
                BaseDir = CliEnvironment.DevDir(parsed.GetValue(dir)),
                Shards = parsed.GetValue(shards)!.Value,
                Replicas = parsed.GetValue(replicas)!.Value,
                Rows = parsed.GetValue(rows)!.Value,
                StartRedis = !parsed.GetValue(noRedis),
                LoadDemoData = !parsed.GetValue(noData),
                HighAvailability = parsed.GetValue(ha),
                Log = parsed.InvocationConfiguration.Error,
            };
            if (!parsed.GetValue(noServer))
            {
                options.ServerDllPath = CliEnvironment.ServerDll(parsed.GetValue(serverDll)) ?? throw new UsageException(
                    $"No DataTier server to start: set {CliEnvironment.ServerDllVariable} (./datatier does) or pass --server-dll PATH, " +
                    "or start without the server: --no-server.");
            }

            var manifest = await LocalCluster.UpAsync(options, ct).ConfigureAwait(false);
            if (parsed.GetValue(json))
            {
                await stdout.WriteLineAsync(manifest.ToJson()).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            await stdout.WriteAsync(Describe(manifest)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
    }

    /// <summary>The human summary: URL, keys, a curl to paste, and the databases.</summary>
    public static string Describe(ClusterManifest manifest)
    {
        var text = new StringWriter();
        text.WriteLine();
        text.WriteLine($"DataTier dev cluster is up in {manifest.BaseDir}");
        text.WriteLine($"  Base URL    {manifest.BaseUrl ?? "(no server: started with --no-server)"}");
        if (manifest.PostgresUrl is not null)
        {
            text.WriteLine($"  PostgreSQL  {manifest.PostgresUrl}");
        }

        text.WriteLine($"  Admin key   {manifest.Keys.Admin}");
        text.WriteLine($"  App key     {manifest.Keys.App}");
        text.WriteLine($"  Reader key  {manifest.Keys.Reader}");
        text.WriteLine($"  Redis       {manifest.Redis ?? "(none)"}");
        text.WriteLine($"  Catalog     {manifest.Catalog}");
        foreach (var shard in manifest.Shards)
        {
            text.WriteLine($"  {shard.Id} primary  {shard.Primary}");
            for (int i = 0; i < shard.Replicas.Count; i++)
            {
                text.WriteLine($"  {shard.Id} replica{i + 1} {shard.Replicas[i]}");
            }

            if (shard.PatroniRestUrls is { } patroni)
            {
                // Patroni decides the primary from now on; the lines above are the nodes as they were built.
                text.WriteLine($"  {shard.Id} Patroni  {string.Join(" ", patroni)} (GET /cluster for the current leader)");
            }
        }

        if (manifest.Etcd is not null)
        {
            text.WriteLine($"  etcd        {manifest.Etcd}");
        }

        text.WriteLine();
        if (manifest.BaseUrl is not null)
        {
            text.WriteLine("Try:");
            text.WriteLine($"  curl -H \"Authorization: Bearer {manifest.Keys.Admin}\" {manifest.BaseUrl}/admin/topology");
            if (manifest.PostgresUrl is not null)
            {
                text.WriteLine($"  psql \"{manifest.PostgresUrl}\" -c \"select count(*) from tasks where team_id = 'team-42'\"");
            }

            text.WriteLine();
        }

        text.WriteLine("Machine-readable: ./datatier dev status --json    Stop: ./datatier dev down");
        return text.ToString();
    }
}
