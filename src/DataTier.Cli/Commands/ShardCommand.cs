using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DataTier.CommandLine;
using DataTier.Core.Switchover;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier shard add|weight|drain|remove</c>: changes the desired topology through a server's admin API. Nothing
/// moves until a rebalancing plan runs; <c>datatier rebalance plan</c> shows what would. <c>datatier shard verify</c>
/// counts rows that sit on another shard than the ring's, and with <c>--repair</c> moves them to their owners.
/// <c>datatier shard switchover</c> makes a replica the shard's primary with no failed write.
/// </summary>
internal static class ShardCommand
{
    private static readonly TimeSpan ChangeTimeout = TimeSpan.FromSeconds(30);

    public static Command Build(AdminTarget target)
    {
        var command = new DocumentedCommand("shard",
            "Change the desired topology through the server's admin API (DataTier:Topology:Store = Catalog): nothing moves until " +
            "'datatier rebalance run'. Check where rows are (verify) and switch a shard's primary over (switchover).",
            "datatier shard add s3 --primary \"Host=10.0.0.7;Database=datatier;Username=datatier_app;Password=...\"",
            "datatier shard weight s2 2",
            "datatier shard verify --json")
        {
            BuildAdd(target),
            BuildWeight(target),
            BuildDrainOrRemove(target, "drain", "Set the shard's desired weight to 0: a move then takes all its rows away.", HttpMethod.Post, "/drain"),
            BuildDrainOrRemove(target, "remove", "Remove the shard from the topology: only one that routes nothing and should receive nothing.", HttpMethod.Delete, ""),
            BuildVerify(target),
            BuildSwitchover(target),
        };
        target.AddTo(command);
        return command;
    }

    private static Command BuildAdd(AdminTarget target)
    {
        var id = ShardId();
        var primary = new Option<string>("--primary") { Description = "The primary's Npgsql connection string.", HelpName = "CONN", Required = true };
        var replicas = new Option<string[]>("--replica") { Description = "A replica's connection string; repeat it for each.", HelpName = "CONN" };
        var weight = new Option<double?>("--weight") { Description = "The desired weight (default 1).", HelpName = "W" };
        var command = new DocumentedCommand("add", "Add a shard to the desired topology as pending, at its desired weight.",
            "datatier shard add s3 --primary \"Host=10.0.0.7;Database=datatier;Username=datatier_app;Password=...\" --weight 1",
            "datatier shard add s3 --primary \"Host=10.0.0.7;...\" --replica \"Host=10.0.0.8;...\" --server http://127.0.0.1:5080 --key $ADMIN")
        {
            id, primary, replicas, weight,
        };
        target.SetAction(command, ChangeTimeout, (parsed, http, ct) =>
        {
            string shard = parsed.GetValue(id)!;
            var body = new { id = shard, weight = parsed.GetValue(weight) ?? 1, primary = parsed.GetValue(primary), replicas = parsed.GetValue(replicas) ?? [] };
            return ChangeAsync(parsed, http, "add", shard, HttpMethod.Post, "/admin/shards", body, ct);
        });
        return command;
    }

    private static Command BuildWeight(AdminTarget target)
    {
        var id = ShardId();
        var weight = new Argument<double>("WEIGHT") { Description = "The desired weight (invariant culture: 1.5)." };
        var command = new DocumentedCommand("weight", "Set a shard's desired weight.",
            "datatier shard weight s2 2",
            "datatier shard weight s2 0.5 --server http://127.0.0.1:5080 --key $ADMIN") { id, weight };
        target.SetAction(command, ChangeTimeout, (parsed, http, ct) =>
        {
            string shard = parsed.GetValue(id)!;
            return ChangeAsync(parsed, http, "weight", shard, HttpMethod.Put, $"/admin/shards/{Uri.EscapeDataString(shard)}/weight",
                new { weight = parsed.GetValue(weight) }, ct);
        });
        return command;
    }

    private static Command BuildDrainOrRemove(AdminTarget target, string verb, string description, HttpMethod method, string suffix)
    {
        var id = ShardId();
        var command = new DocumentedCommand(verb, description,
            $"datatier shard {verb} s3",
            $"datatier shard {verb} s3 --server http://127.0.0.1:5080 --key $ADMIN") { id };
        target.SetAction(command, ChangeTimeout, (parsed, http, ct) =>
        {
            string shard = parsed.GetValue(id)!;
            return ChangeAsync(parsed, http, verb, shard, method, $"/admin/shards/{Uri.EscapeDataString(shard)}{suffix}", null, ct);
        });
        return command;
    }

    private static Command BuildVerify(AdminTarget target)
    {
        var repair = new Option<bool>("--repair") { Description = "Move the misplaced rows to their owners." };
        var json = new Option<bool>("--json") { Description = "Print the server's report JSON on stdout." };
        var command = new DocumentedCommand("verify",
            "Count the rows each shard holds that the routing ring places on another; exit code 1 while any are left.",
            "datatier shard verify",
            "datatier shard verify --repair")
        {
            repair, json,
        };
        target.SetAction(command, TimeSpan.FromMinutes(30), (parsed, http, ct) =>
            VerifyAsync(http, parsed.GetValue(repair), parsed.GetValue(json), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static Command BuildSwitchover(AdminTarget target)
    {
        var id = ShardId();
        var to = new Option<string?>("--to") { Description = "The replica to promote (default: the server picks the most caught-up healthy one).", HelpName = "NODE" };
        var command = new DocumentedCommand("switchover",
            "Make a replica the shard's primary with no failed write; exit code 2 when the server refuses (nothing changed).",
            "datatier shard switchover s1",
            "datatier shard switchover s1 --to s1-replica1")
        {
            id, to,
        };
        target.SetAction(command, TimeSpan.FromMinutes(2), (parsed, http, ct) =>
            SwitchoverAsync(http, parsed.GetValue(id)!, parsed.GetValue(to), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static Argument<string> ShardId() => new("ID") { Description = "The shard's id." };

    // add, weight, drain, remove: one admin request that answers the changed topology.
    private static async Task<int> ChangeAsync(ParseResult parsed, HttpClient http, string verb, string id, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var (stdout, stderr) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
            await stderr.WriteLineAsync($"datatier: shard {verb} {id} refused ({(int)response.StatusCode}): {detail}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var result = JsonNode.Parse(text)!;
        await stdout.WriteLineAsync($"Topology version {result["version"]}:").ConfigureAwait(false);
        foreach (var shard in result["shards"]!.AsArray())
        {
            await stdout.WriteLineAsync($"  {shard!["id"],-12} {shard["state"],-12} weight {shard["weight"]} -> {shard["desiredWeight"]}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("Nothing has moved; see what would with: datatier rebalance plan; move the rows with: datatier rebalance run").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    // Exit code 0 once the replica is the primary, 2 when the server refused (nothing changed), 1 on a failure.
    private static async Task<int> SwitchoverAsync(HttpClient http, string id, string? to, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var answer = await AdminApiClient.SendAsync(http, HttpMethod.Post, $"/admin/shards/{Uri.EscapeDataString(id)}/switchover", to is null ? null : new { to }, ct).ConfigureAwait(false);
        if (!answer.IsSuccess)
        {
            await stderr.WriteLineAsync($"datatier: shard switchover {id} refused ({(int)answer.Status} {answer.ProblemCode}): {answer.Detail}").ConfigureAwait(false);
            return answer.IsRefusal ? ExitCodes.Refused : ExitCodes.Failed;
        }

        var result = answer.Body!;
        await stdout.WriteLineAsync($"Shard {result["shard"]} switched over: {result["from"]} -> {result["to"]} (timeline {result["timeline"]}, topology version {result["topologyVersion"]})").ConfigureAwait(false);
        await stdout.WriteLineAsync($"Writes held {result["writePauseMs"]} ms (catch-up {result["catchUpMs"]} ms, promotion {result["promoteMs"]} ms); none failed.").ConfigureAwait(false);
        if ((string?)result["promoter"] == PromoterNames.Patroni)
        {
            // Patroni stopped the old primary and restarted it as the new one's standby: nothing to rewind.
            await stdout.WriteLineAsync($"Patroni restarted the old primary {result["from"]} as a standby of the new one; DataTier routes nothing to it until it is added back as a replica (docs/reliability.md, Through Patroni).").ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync($"The old primary {result["from"]} gets no writes and stays fenced: stop it, rewind it (pg_rewind) or re-clone it, then add it as a replica (docs/reliability.md, Planned switchover).").ConfigureAwait(false);
        }
        return ExitCodes.Ok;
    }

    // Exit code 0 when every row is on its ring shard (after the repair, with --repair), 1 when some are not.
    private static async Task<int> VerifyAsync(HttpClient http, bool repair, bool json, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        var answer = await AdminApiClient.SendAsync(http, repair ? HttpMethod.Post : HttpMethod.Get, repair ? "/admin/shards/verify/repair" : "/admin/shards/verify", null, ct).ConfigureAwait(false);
        if (!answer.IsSuccess)
        {
            await stderr.WriteLineAsync($"datatier: shard verify refused ({(int)answer.Status}): {answer.Detail}").ConfigureAwait(false);
            return answer.IsRefusal ? ExitCodes.Refused : ExitCodes.Failed;
        }

        var report = answer.Body!;
        long left = (long)report["misplacedTotal"]!;
        if (json)
        {
            await stdout.WriteLineAsync(answer.Text).ConfigureAwait(false);
            return left == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }

        await stdout.WriteLineAsync($"Rows checked against the routing ring of topology version {report["topologyVersion"]}:").ConfigureAwait(false);
        foreach (var shard in report["shards"]!.AsArray())
        {
            var guard = shard!["guard"];
            string guardText = guard is null ? "guard never set (accepts every row)"
                : (bool)shard["guardCurrent"]! ? $"guard on version {guard["version"]}" : $"guard on version {guard["version"]}, not this ring yet";
            var unguarded = shard["unguardedTables"]!.AsArray();
            if (unguarded.Count > 0)
            {
                guardText += $"; unguarded: {string.Join(", ", unguarded.Select(t => (string)t!))}";
            }

            await stdout.WriteLineAsync($"  {shard["shard"],-12} {shard["misplacedTotal"],8} misplaced   ({guardText})").ConfigureAwait(false);
            foreach (var rows in shard["misplaced"]!.AsArray())
            {
                string moved = repair ? $", {rows!["moved"]} moved, {rows["conflicts"]} left (the owner holds another row with the same key)" : "";
                await stdout.WriteLineAsync($"      {rows!["table"]}: {rows["rows"]} belong to {rows["owner"]}{moved}").ConfigureAwait(false);
            }
        }

        await stdout.WriteLineAsync(left == 0
            ? "Every row is on the shard the ring places it on."
            : repair ? $"{left} rows could not be moved; see the conflicts above." : $"{left} rows are misplaced; move them to their owners with: datatier shard verify --repair").ConfigureAwait(false);
        return left == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
