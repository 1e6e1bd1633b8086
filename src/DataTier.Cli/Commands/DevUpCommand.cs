using DataTier.Cli.Arguments;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary><c>datatier dev up</c>: starts (or reuses) the local cluster and says how to reach it.</summary>
internal static class DevUpCommand
{
    public const string Usage =
        "dev up [--shards N] [--replicas R] [--rows N] [--ha] [--json] [--no-server] [--no-redis] [--no-data] [--dir D] [--server-dll PATH]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var options = new LocalClusterOptions
        {
            BaseDir = CliEnvironment.DevDir(args.Option("--dir")),
            Shards = args.IntOption("--shards", 1, 16) ?? 2,
            Replicas = args.IntOption("--replicas", 0, 4) ?? 1,
            Rows = args.IntOption("--rows", 0, 50_000_000) ?? 200_000,
            StartRedis = !args.Flag("--no-redis"),
            LoadDemoData = !args.Flag("--no-data"),
            HighAvailability = args.Flag("--ha"),
            Log = stderr,
        };
        bool json = args.Flag("--json");
        bool noServer = args.Flag("--no-server");
        string? serverDll = CliEnvironment.ServerDll(args.Option("--server-dll"));
        args.EnsureAllUsed();

        if (!noServer)
        {
            options.ServerDllPath = serverDll ?? throw new UsageException(
                $"No DataTier server to start: set {CliEnvironment.ServerDllVariable} (./datatier does) or pass --server-dll PATH, " +
                "or start without the server: --no-server.");
        }

        var manifest = await LocalCluster.UpAsync(options, ct).ConfigureAwait(false);
        if (json)
        {
            await stdout.WriteLineAsync(manifest.ToJson()).ConfigureAwait(false);
            return 0;
        }

        await stdout.WriteAsync(Describe(manifest)).ConfigureAwait(false);
        return 0;
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
