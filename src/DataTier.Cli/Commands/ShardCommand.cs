using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DataTier.Cli.Arguments;
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
    public const string Usage = "shard add ID --primary CONN [--replica CONN]... [--weight W] | shard weight ID W | shard drain ID | shard remove ID | shard verify [--repair] [--json] | shard switchover ID [--to NODE]  [--server URL] [--key ADMIN_KEY] [--dir D]";

    public static async Task<int> RunAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string verb = args.Positional() ?? throw new UsageException("shard needs add, weight, drain, remove, verify or switchover.");
        if (verb == "verify")
        {
            return await VerifyAsync(args, stdout, stderr, ct).ConfigureAwait(false);
        }

        string id = args.Positional() ?? throw new UsageException($"shard {verb} needs a shard id.");
        if (verb == "switchover")
        {
            return await SwitchoverAsync(id, args, stdout, stderr, ct).ConfigureAwait(false);
        }

        HttpMethod method;
        string path;
        object? body = null;
        switch (verb)
        {
            case "add":
                string primary = args.Option("--primary") ?? throw new UsageException("shard add needs --primary CONNECTION_STRING.");
                var replicas = args.Options("--replica");

                double weight = args.Option("--weight") is { } w ? ParseWeight(w) : 1;
                (method, path, body) = (HttpMethod.Post, "/admin/shards", new { id, weight, primary, replicas });
                break;
            case "weight":
                double newWeight = ParseWeight(args.Positional() ?? throw new UsageException("shard weight needs ID and WEIGHT."));
                (method, path, body) = (HttpMethod.Put, $"/admin/shards/{Uri.EscapeDataString(id)}/weight", new { weight = newWeight });
                break;
            case "drain":
                (method, path) = (HttpMethod.Post, $"/admin/shards/{Uri.EscapeDataString(id)}/drain");
                break;
            case "remove":
                (method, path) = (HttpMethod.Delete, $"/admin/shards/{Uri.EscapeDataString(id)}");
                break;
            default:
                throw new UsageException($"Unknown shard command '{verb}'; use add, weight, drain, remove, verify or switchover.");
        }

        using var http = AdminApiClient.Create(args.Option("--server"), args.Option("--key"), args.Option("--dir"), TimeSpan.FromSeconds(30));
        args.EnsureAllUsed();
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
            await stderr.WriteLineAsync($"datatier: shard {verb} {id} refused ({(int)response.StatusCode}): {detail}").ConfigureAwait(false);
            return 1;
        }

        var result = JsonNode.Parse(text)!;
        await stdout.WriteLineAsync($"Topology version {result["version"]}:").ConfigureAwait(false);
        foreach (var shard in result["shards"]!.AsArray())
        {
            await stdout.WriteLineAsync($"  {shard!["id"],-12} {shard["state"],-12} weight {shard["weight"]} -> {shard["desiredWeight"]}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("Nothing has moved; see what would with: datatier rebalance plan; move the rows with: datatier rebalance run").ConfigureAwait(false);
        return 0;
    }

    // Exit code 0 once the replica is the primary, 2 when the server refused (nothing changed), 1 on a failure.
    private static async Task<int> SwitchoverAsync(string id, ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        string? to = args.Option("--to");
        using var http = AdminApiClient.Create(args.Option("--server"), args.Option("--key"), args.Option("--dir"), TimeSpan.FromMinutes(2));
        args.EnsureAllUsed();
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
    private static async Task<int> VerifyAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        bool repair = args.Flag("--repair"), json = args.Flag("--json");
        using var http = AdminApiClient.Create(args.Option("--server"), args.Option("--key"), args.Option("--dir"), TimeSpan.FromMinutes(30));
        args.EnsureAllUsed();
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

    /// <summary>A weight as given on the command line (invariant culture: <c>1.5</c>).</summary>
    public static double ParseWeight(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double weight)
            ? weight
            : throw new UsageException($"Weight '{text}' is not a number.");
}
