using System.Net;
using System.Text.Json.Nodes;
using DataTier.Cli.Arguments;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier dev shard add|remove</c>: a topology change on the local cluster end to end. <c>add</c> starts one more
/// shard and puts it in the dev server's desired topology (no row moves until <c>rebalance run</c>); <c>remove</c>
/// drains a shard, moves its rows away, takes it out of the topology and stops it.
/// </summary>
internal static class DevShardCommand
{
    public const string Usage = "dev shard add [--id ID] [--weight W] [--replicas N] | dev shard remove ID [--max-write-pause-ms N]  [--dir D]";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string verb = args.Positional() ?? throw new UsageException("dev shard needs add or remove.");
        return verb switch
        {
            "add" => AddAsync(args, stdout, stderr, ct),
            "remove" => RemoveAsync(args, stdout, stderr, ct),
            _ => throw new UsageException($"Unknown 'dev shard {verb}'; use dev shard add or dev shard remove."),
        };
    }

    private static async Task<int> AddAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string dir = CliEnvironment.DevDir(args.Option("--dir"));
        string? id = args.Option("--id");
        double weight = args.Option("--weight") is { } w ? ShardCommand.ParseWeight(w) : 1;
        int replicas = args.IntOption("--replicas", 0, 4) ?? 1;
        args.EnsureAllUsed();
        if (!(weight > 0 && weight <= 100))
        {
            // The server's bound (TopologyChanges.MaxWeight), checked before a shard is built for nothing.
            throw new UsageException($"--weight is {weight}; it must be above 0 and at most 100.");
        }

        // Before anything is started: the server must run and be able to take the shard.
        using var http = AdminApiClient.Create(null, null, dir, RequestTimeout);
        RequireCatalogTopology(dir);

        var shard = await LocalCluster.AddShardAsync(dir, id, replicas, stderr, ct).ConfigureAwait(false);
        AdminResponse response;
        try
        {
            response = await AdminApiClient.SendAsync(http, HttpMethod.Post, "/admin/shards",
                new { id = shard.Id, weight, primary = shard.Primary, replicas = shard.Replicas }, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            await UndoAddAsync(dir, shard.Id, stderr).ConfigureAwait(false);
            throw;
        }

        if (!response.IsSuccess)
        {
            int code = await RebalanceMoveCommand.ReportAsync($"adding shard {shard.Id} to the topology", response, stderr).ConfigureAwait(false);
            await UndoAddAsync(dir, shard.Id, stderr).ConfigureAwait(false);
            return code;
        }

        await stdout.WriteLineAsync($"Shard {shard.Id} runs ({1 + shard.Replicas.Count} node(s)) and is in the desired topology at weight {weight}.")
            .ConfigureAwait(false);
        await WriteTopologyAsync(response.Body, stdout).ConfigureAwait(false);
        await stdout.WriteLineAsync("Nothing has moved yet; see what would with: datatier rebalance plan; move the rows with: datatier rebalance run")
            .ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    // drain, move (and wait), delete from the topology, then stop the nodes: in that order, so that no row is ever left
    // on a shard that is gone. Each step that is already done (drained, nothing to move) is passed over, so a remove
    // that stopped half-way can simply be run again.
    private static async Task<int> RemoveAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string dir = CliEnvironment.DevDir(args.Option("--dir"));
        string id = args.Positional() ?? throw new UsageException("dev shard remove needs the shard's id (see: ./datatier dev status).");
        int? pause = args.IntOption("--max-write-pause-ms", 50, 60_000);
        args.EnsureAllUsed();

        using var http = AdminApiClient.Create(null, null, dir, RequestTimeout);
        var manifest = LocalCluster.Status(dir)!;
        if (!manifest.Shards.Any(s => s.Id == id))
        {
            throw new UsageException($"The dev cluster in {dir} has no shard '{id}'; its shards are: {string.Join(", ", manifest.Shards.Select(s => s.Id))}.");
        }

        RequireCatalogTopology(dir);
        string escaped = Uri.EscapeDataString(id);
        var drained = await AdminApiClient.SendAsync(http, HttpMethod.Post, $"/admin/shards/{escaped}/drain", null, ct).ConfigureAwait(false);
        if (drained.Status == HttpStatusCode.NotFound)
        {
            await stderr.WriteLineAsync($"Shard {id} is not in the server's topology; stopping its nodes only.").ConfigureAwait(false);
        }
        else if (!drained.IsSuccess)
        {
            return await RebalanceMoveCommand.ReportAsync($"draining {id}", drained, stderr).ConfigureAwait(false);
        }
        else
        {
            await stderr.WriteLineAsync($"Shard {id} drained (desired weight 0); moving its rows to the other shards.").ConfigureAwait(false);

            // A move carries out the whole desired topology, not only this drain: say so before it starts.
            var others = (drained.Body?["shards"]?.AsArray() ?? [])
                .Where(s => (string?)s!["id"] != id && (double?)s["weight"] != (double?)s["desiredWeight"])
                .Select(s => $"{s!["id"]} weight {s["weight"]} -> {s["desiredWeight"]}")
                .ToList();
            if (others.Count > 0)
            {
                await stderr.WriteLineAsync($"The move also carries out the other pending changes: {string.Join(", ", others)}.").ConfigureAwait(false);
            }
            var (started, move) = await RebalanceMoveCommand.StartMoveAsync(http, pause, wait: true, stderr, ct).ConfigureAwait(false);
            if (move is null && started.ProblemCode != "nothing-to-move")
            {
                return await RebalanceMoveCommand.ReportAsync("the move off " + id, started, stderr).ConfigureAwait(false);
            }

            if (move is not null && (string?)move["state"] != "done")
            {
                // The shard keeps its rows and stays in the topology; nothing is stopped.
                await stdout.WriteLineAsync(CliJson.Format(move)).ConfigureAwait(false);
                await stderr.WriteLineAsync($"datatier: the move off {id} ended {(string?)move["state"]}; {id} keeps running. Run 'dev shard remove {id}' again.")
                    .ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            var removed = await AdminApiClient.SendAsync(http, HttpMethod.Delete, $"/admin/shards/{escaped}", null, ct).ConfigureAwait(false);
            if (!removed.IsSuccess)
            {
                return await RebalanceMoveCommand.ReportAsync($"removing {id} from the topology", removed, stderr).ConfigureAwait(false);
            }

            await stdout.WriteLineAsync($"Shard {id} is out of the topology.").ConfigureAwait(false);
            await WriteTopologyAsync(removed.Body, stdout).ConfigureAwait(false);
        }

        await LocalCluster.RemoveShardAsync(dir, id, deleteData: false, stderr, ct).ConfigureAwait(false);
        await stdout.WriteLineAsync($"Shard {id}'s nodes are stopped.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    // A dev server started before it kept its topology in the catalog cannot change shards; say how to get one that can
    // rather than building a shard that the server then refuses.
    private static void RequireCatalogTopology(string dir)
    {
        if (!LocalCluster.ServerTopologyIsInCatalog(dir))
        {
            throw new DevClusterException(
                $"The dev server in {dir} routes by its configured topology (DataTier:Topology:Store is not Catalog), so shards " +
                "cannot change online. Recreate the cluster with this CLI: ./datatier dev down && ./datatier dev up");
        }
    }

    private static async Task UndoAddAsync(string dir, string id, TextWriter stderr)
    {
        await stderr.WriteLineAsync($"Stopping {id} again and removing its data.").ConfigureAwait(false);
        await LocalCluster.RemoveShardAsync(dir, id, deleteData: true, stderr, CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task WriteTopologyAsync(JsonNode? change, TextWriter stdout)
    {
        await stdout.WriteLineAsync($"Topology version {change?["version"]}:").ConfigureAwait(false);
        foreach (var shard in change?["shards"]?.AsArray() ?? [])
        {
            await stdout.WriteLineAsync($"  {shard!["id"],-12} {shard["state"],-12} weight {shard["weight"]} -> {shard["desiredWeight"]}").ConfigureAwait(false);
        }
    }
}
