using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTier.CommandLine;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier rebalance plan</c>: what moving to the desired topology takes, counted by the shards (a dry run); the
/// rebalancing check and its proposals; and the moves themselves (<see cref="RebalanceMoveCommand"/>).
/// </summary>
internal static class RebalanceCommand
{
    private static readonly TimeSpan ProposalsTimeout = TimeSpan.FromMinutes(2);

    public static Command Build(AdminTarget target)
    {
        var command = new DocumentedCommand("rebalance",
            "What moving to the desired topology takes (plan, a dry run); moving the rows online and following the move (run, status, " +
            "list, cancel); the rebalancing check, its proposals, and approving one (check, proposals, approve).",
            "datatier rebalance plan",
            "datatier rebalance run --max-write-pause-ms 500",
            "datatier rebalance status 7 --wait")
        {
            BuildPlan(target),
            RebalanceMoveCommand.BuildRun(target),
            RebalanceMoveCommand.BuildStatus(target),
            RebalanceMoveCommand.BuildList(target),
            RebalanceMoveCommand.BuildCancel(target),
            BuildProposals(target, "check", "Run the rebalancing check now: the imbalance, and a proposal when it is over the threshold."),
            BuildProposals(target, "proposals", "List the rebalancing proposals."),
            BuildApprove(target),
        };
        target.AddTo(command);
        return command;
    }

    private static Command BuildPlan(AdminTarget target)
    {
        var ranges = new Option<bool>("--ranges") { Description = "Also list every ring range that moves." };
        var command = new DocumentedCommand("plan",
            "What moving to the desired topology takes, counted by the shards themselves: rows and bytes per table, pair and shard. A dry run.",
            "datatier rebalance plan",
            "datatier rebalance plan --ranges --server http://127.0.0.1:5080 --key $ADMIN")
        {
            ranges,
        };
        target.SetAction(command, TimeSpan.FromMinutes(10), (parsed, http, ct) =>
            PlanAsync(http, parsed.GetValue(ranges), parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error, ct));
        return command;
    }

    private static Command BuildProposals(AdminTarget target, string verb, string description)
    {
        var command = new DocumentedCommand(verb, description,
            $"datatier rebalance {verb}",
            $"datatier rebalance {verb} --server http://127.0.0.1:5080 --key $ADMIN");
        target.SetAction(command, ProposalsTimeout, (parsed, http, ct) => ProposalsAsync(verb, id: null, http, parsed, ct));
        return command;
    }

    private static Command BuildApprove(AdminTarget target)
    {
        var id = new Argument<string>("ID") { Description = "The proposal (see: datatier rebalance proposals)." };
        var command = new DocumentedCommand("approve", "Approve a proposal: its weights become the desired topology (nothing moves until 'rebalance run').",
            "datatier rebalance approve 3",
            "datatier rebalance approve 3 && datatier rebalance run")
        {
            id,
        };
        target.SetAction(command, ProposalsTimeout, (parsed, http, ct) => ProposalsAsync("approve", parsed.GetValue(id), http, parsed, ct));
        return command;
    }

    private static async Task<int> PlanAsync(HttpClient http, bool ranges, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri("/admin/rebalance/plan", UriKind.Relative), ct).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            await stderr.WriteLineAsync($"datatier: planning failed ({(int)response.StatusCode}): {text}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var plan = JsonNode.Parse(text)!;
        var c = CultureInfo.InvariantCulture;
        var moves = plan["moves"]!.AsArray();
        await stdout.WriteLineAsync(string.Format(c, "Plan for topology version {0}: {1:N0} of {2:N0} rows move ({3:P1}; the least possible is {4:P1}), about {5:N1} MB, in {6} ranges.",
            plan["topologyVersion"], (long)plan["movedRows"]!, (long)plan["totalRows"]!, (double)plan["movedFraction"]!, (double)plan["idealFraction"]!,
            (long)plan["movedBytes"]! / 1e6, moves.Count)).ConfigureAwait(false);
        await stdout.WriteLineAsync(string.Format(c, "  The ranges hold {0:P1} of the ring (rows follow it up to how the keys fall).", (double)plan["movedRingFraction"]!)).ConfigureAwait(false);
        foreach (var table in plan["tables"]!.AsArray())
        {
            await stdout.WriteLineAsync(string.Format(c, "  {0}: {1:N0} of {2:N0} rows move ({3:P1})", table!["name"], (long)table["movedRows"]!, (long)table["rows"]!, (double)table["movedFraction"]!)).ConfigureAwait(false);
        }

        foreach (var pair in moves.GroupBy(m => $"{m!["from"]} -> {m!["to"]}"))
        {
            await stdout.WriteLineAsync(string.Format(c, "  {0}: {1:N0} rows in {2} ranges", pair.Key, pair.Sum(m => (long)m!["rows"]!), pair.Count())).ConfigureAwait(false);
        }

        foreach (var shard in plan["shards"]!.AsArray())
        {
            await stdout.WriteLineAsync(string.Format(c, "  {0,-12} {1,-9} rows {2:N0} -> {3:N0} (load after {4:0.00} of its share){5}",
                shard!["id"], shard["state"], (long)shard["rowsNow"]!, (long)shard["rowsAfter"]!, (double)shard["loadAfter"]!,
                (long)shard["misplaced"]! > 0 ? $", {(long)shard["misplaced"]!:N0} rows misplaced" : "")).ConfigureAwait(false);
        }

        if (ranges)
        {
            foreach (var m in moves)
            {
                await stdout.WriteLineAsync(string.Format(c, "  ({0}, {1}] {2} -> {3}: {4:N0} rows", m!["start"], m["end"], m["from"], m["to"], (long)m["rows"]!)).ConfigureAwait(false);
            }
        }

        foreach (var blocker in plan["blockers"]?.AsArray() ?? [])
        {
            await stdout.WriteLineAsync($"  blocked: {blocker}").ConfigureAwait(false);
        }

        await stdout.WriteLineAsync("This is a dry run: nothing was changed.").ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    // check: run the rebalancing check now; proposals: list them; approve ID: write a proposal's weights to the
    // desired topology.
    private static async Task<int> ProposalsAsync(string verb, string? id, HttpClient http, ParseResult parsed, CancellationToken ct)
    {
        var (stdout, stderr) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        using var response = verb switch
        {
            "proposals" => await http.GetAsync(new Uri("/admin/rebalance/proposals", UriKind.Relative), ct).ConfigureAwait(false),
            "check" => await http.PostAsync(new Uri("/admin/rebalance/check", UriKind.Relative), null, ct).ConfigureAwait(false),
            _ => await http.PostAsync(new Uri($"/admin/rebalance/plans/{Uri.EscapeDataString(id!)}/approve", UriKind.Relative), null, ct).ConfigureAwait(false),
        };
        string text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            string detail = JsonNode.Parse(text)?["detail"]?.GetValue<string>() ?? text;
            await stderr.WriteLineAsync($"datatier: rebalance {verb} refused ({(int)response.StatusCode}): {detail}").ConfigureAwait(false);
            return ExitCodes.Failed;
        }

        var c = CultureInfo.InvariantCulture;
        var body = JsonNode.Parse(text)!;
        if (verb == "check")
        {
            await stdout.WriteLineAsync(string.Format(c, "Imbalance {0:0.000} (most loaded shard against the mean).", (double)body["imbalance"]!)).ConfigureAwait(false);
            body = body["proposal"];
            if (body is null)
            {
                await stdout.WriteLineAsync("Within the threshold: nothing proposed.").ConfigureAwait(false);
                return ExitCodes.Ok;
            }
        }

        foreach (var p in body is JsonArray list ? list : new JsonArray(body.DeepClone()))
        {
            string weights = string.Join(", ", p!["weights"]!.AsObject().Select(w => $"{w.Key} {(double)w.Value!:0.###}"));
            await stdout.WriteLineAsync(string.Format(c, "Proposal {0} ({1}, {2:u}): imbalance {3:0.000}; desired weights {4}",
                p["id"], p["status"], (DateTimeOffset)p["createdAt"]!, (double)p["imbalance"]!, weights)).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}
