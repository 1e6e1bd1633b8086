using System.Net;
using System.Text.Json.Nodes;
using System.CommandLine;
using DataTier.CommandLine;
using DataTier.DevCluster;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier dev shard add|remove</c>: a topology change on the local cluster end to end. <c>add</c> starts one more
/// shard and puts it in the dev server's desired topology (no row moves until <c>rebalance run</c>); <c>remove</c>
/// drains a shard, moves its rows away, takes it out of the topology and stops it.
/// </summary>
internal static class DevShardCommand
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static Command Build()
    {
        var command = new DocumentedCommand("shard", "Add a local shard to the dev server's desired topology, or drain, move off, remove and stop one.",
            "datatier dev shard add",
            "datatier dev shard remove s3")
        {
            BuildAdd(),
            BuildRemove(),
        };
        return command;
    }

    private static Command BuildAdd()
    {
        var dir = DevDirOption.Create();
        var id = new Option<string?>("--id") { Description = "The new shard's id (default: the next free sN).", HelpName = "ID" };
        var weight = RangeOptions.Double("--weight", 0, 100, "Its desired weight, above 0 and at most 100.", defaultValue: 1, helpName: "W");
        var replicas = RangeOptions.Int("--replicas", 0, 4, "Its streaming replicas.", defaultValue: 1);
        var command = new DocumentedCommand("add",
            "Start one more local shard (primary and replicas, the schema) and add it to the dev server's desired topology as pending. " +
            "No row moves until 'datatier rebalance run'. The dev server keeps its topology in the catalog (DataTier:Topology:Store = Catalog).",
            "datatier dev shard add",
            "datatier dev shard add --id s3 --weight 2 --replicas 0")
        {
            id, weight, replicas, dir,
        };
        command.SetAction((parsed, ct) => AddAsync(CliEnvironment.DevDir(parsed.GetValue(dir)), parsed.GetValue(id), parsed.GetValue(weight)!.Value,
            parsed.GetValue(replicas)!.Value, parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static Command BuildRemove()
    {
        var dir = DevDirOption.Create();
        var id = new Argument<string>("ID") { Description = "The shard (see: datatier dev status)." };
        var pause = MaxWritePauseOption.Create();
        var command = new DocumentedCommand("remove",
            "Drain a shard (desired weight 0), move its rows to the others and wait, remove it from the topology, then stop its nodes. " +
            "Safe to run again after a stop half-way.",
            "datatier dev shard remove s3",
            "datatier dev shard remove s3 --max-write-pause-ms 1000")
        {
            id, pause, dir,
        };
        command.SetAction((parsed, ct) => RemoveAsync(CliEnvironment.DevDir(parsed.GetValue(dir)), parsed.GetValue(id)!, parsed.GetValue(pause),
            parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> AddAsync(string dir, string? id, double weight, int replicas, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
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
    private static async Task<int> RemoveAsync(string dir, string id, int? pause, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        using var http = AdminApiClient.Create(null, null, dir, RequestTimeout);
        var manifest = LocalCluster.Status(dir)!;
        if (!manifest.Shards.Any(s => s.Id == id))
        {
            throw new DevClusterException($"The dev cluster in {dir} has no shard '{id}'; its shards are: {string.Join(", ", manifest.Shards.Select(s => s.Id))}.");
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
