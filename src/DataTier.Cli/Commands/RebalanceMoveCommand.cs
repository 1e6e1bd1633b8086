using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using DataTier.CommandLine;
using DataTier.Cli.Moves;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier rebalance run|status|list|cancel</c>: moves rows to the desired topology through a server's admin API
/// and follows them. The move runs in the server; this only starts, watches and cancels it.
/// </summary>
internal static class RebalanceMoveCommand
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static Command BuildRun(AdminTarget target)
    {
        var pause = MaxWritePauseOption.Create();
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the move has started (follow it with: rebalance status ID --wait)." };
        var command = new DocumentedCommand("run",
            "Move the rows to the desired topology online and follow the move: a progress bar on stderr, the final document on stdout. " +
            "Exit code 0: done; 1: failed or cancelled; 2: refused (409, e.g. a move already running or nothing to move).",
            "datatier rebalance run",
            "datatier rebalance run --max-write-pause-ms 500 --no-wait")
        {
            pause, noWait,
        };
        target.SetAction(command, RequestTimeout, (parsed, http, ct) => StartAsync(http, parsed, parsed.GetValue(pause), parsed.GetValue(noWait), ct));
        return command;
    }

    public static Command BuildStatus(AdminTarget target)
    {
        var id = MoveIdArgument();
        var wait = new Option<bool>("--wait") { Description = "Follow the move to its end, as run does (exit code 0 only when done)." };
        var command = new DocumentedCommand("status", "A move's state, phase, rows, rate and ETA: one line on stderr, the document on stdout.",
            "datatier rebalance status 7",
            "datatier rebalance status 7 --wait")
        {
            id, wait,
        };
        target.SetAction(command, RequestTimeout, (parsed, http, ct) => StatusAsync(http, parsed, parsed.GetValue(id), parsed.GetValue(wait), ct));
        return command;
    }

    public static Command BuildList(AdminTarget target)
    {
        var json = new Option<bool>("--json") { Description = "Print the server's document on stdout." };
        var command = new DocumentedCommand("list", "The recent moves, newest first, one line each.",
            "datatier rebalance list",
            "datatier rebalance list --json | jq '.moves[0].state'") { json };
        target.SetAction(command, RequestTimeout, (parsed, http, ct) => ListAsync(http, parsed, parsed.GetValue(json), ct));
        return command;
    }

    public static Command BuildCancel(AdminTarget target)
    {
        var id = MoveIdArgument();
        var command = new DocumentedCommand("cancel", "Ask the server to stop a move before its switch; it rolls back (follow it with status ID --wait).",
            "datatier rebalance cancel 7",
            "datatier rebalance cancel 7 && datatier rebalance status 7 --wait")
        {
            id,
        };
        target.SetAction(command, RequestTimeout, (parsed, http, ct) => CancelAsync(http, parsed, parsed.GetValue(id), ct));
        return command;
    }

    /// <summary>
    /// Starts a move (<c>POST /admin/rebalance</c>) and, when <paramref name="wait"/>, follows it to its end. Returns the
    /// server's answer to the start and the move's last status document (null when it did not start).
    /// </summary>
    public static async Task<(AdminResponse Started, JsonNode? Move)> StartMoveAsync(
        HttpClient http, int? maxWritePauseMs, bool wait, TextWriter stderr, CancellationToken ct)
    {
        object body = maxWritePauseMs is { } pause ? new { maxWritePauseMs = pause } : new { };
        var started = await AdminApiClient.SendAsync(http, HttpMethod.Post, "/admin/rebalance", body, ct).ConfigureAwait(false);
        if (!started.IsSuccess)
        {
            return (started, null);
        }

        long id = (long)started.Body!["id"]!;
        if (!wait)
        {
            await stderr.WriteLineAsync($"Move {id} started. Follow it: datatier rebalance status {id} --wait; stop it: datatier rebalance cancel {id}")
                .ConfigureAwait(false);
            return (started, started.Body);
        }

        await stderr.WriteLineAsync($"Move {id} started; Ctrl-C stops watching it (not the move).").ConfigureAwait(false);
        return (started, await MoveWatcher.WaitAsync(http, id, stderr, !Console.IsErrorRedirected, ct).ConfigureAwait(false));
    }

    /// <summary>Says why the server said no, with the problem's detail; returns 2 for a refusal (409), else 1.</summary>
    public static async Task<int> ReportAsync(string what, AdminResponse response, TextWriter stderr)
    {
        string code = response.ProblemCode is { } problem ? $"{(int)response.Status} {problem}" : ((int)response.Status).ToString(CultureInfo.InvariantCulture);
        string outcome = response.IsRefusal ? "refused" : "failed";
        await stderr.WriteLineAsync($"datatier: {what} {outcome} ({code}): {response.Detail}").ConfigureAwait(false);
        return response.IsRefusal ? ExitCodes.Refused : ExitCodes.Failed;
    }

    // run: start a move and follow it; the final document goes to stdout, the progress to stderr.
    private static async Task<int> StartAsync(HttpClient http, ParseResult parsed, int? pause, bool noWait, CancellationToken ct)
    {
        var (stdout, stderr) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        var (started, move) = await StartMoveAsync(http, pause, !noWait, stderr, ct).ConfigureAwait(false);
        if (move is null)
        {
            return await ReportAsync("rebalance run", started, stderr).ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(CliJson.Format(move)).ConfigureAwait(false);
        return noWait ? ExitCodes.Ok : MoveWatcher.ExitCodeFor((string?)move["state"]);
    }

    // status: one progress line on stderr and the document on stdout; --wait follows the move as run does.
    private static async Task<int> StatusAsync(HttpClient http, ParseResult parsed, long id, bool wait, CancellationToken ct)
    {
        var (stdout, stderr) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        var response = await AdminApiClient.SendAsync(http, HttpMethod.Get, $"/admin/rebalance/{id}", null, ct).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            return await ReportAsync($"rebalance status {id}", response, stderr).ConfigureAwait(false);
        }

        var move = response.Body!;
        if (wait && !MoveWatcher.HasEnded((string?)move["state"]))
        {
            move = await MoveWatcher.WaitAsync(http, id, stderr, !Console.IsErrorRedirected, ct).ConfigureAwait(false);
            await stdout.WriteLineAsync(CliJson.Format(move)).ConfigureAwait(false);
            return MoveWatcher.ExitCodeFor((string?)move["state"]);
        }

        await stderr.WriteLineAsync(MoveProgressLine.Format(move)).ConfigureAwait(false);
        await stdout.WriteLineAsync(CliJson.Format(move)).ConfigureAwait(false);
        return wait ? MoveWatcher.ExitCodeFor((string?)move["state"]) : ExitCodes.Ok;
    }

    // list: the recent moves, newest first, one line each (--json: the server's document).
    private static async Task<int> ListAsync(HttpClient http, ParseResult parsed, bool json, CancellationToken ct)
    {
        var (stdout, stderr) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        var response = await AdminApiClient.SendAsync(http, HttpMethod.Get, "/admin/rebalance", null, ct).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            return await ReportAsync("rebalance list", response, stderr).ConfigureAwait(false);
        }

        if (json)
        {
            await stdout.WriteLineAsync(CliJson.Format(response.Body)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var moves = response.Body?["moves"]?.AsArray() ?? [];
        if (moves.Count == 0)
        {
            await stdout.WriteLineAsync("No moves yet. Start one: datatier rebalance run").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var c = CultureInfo.InvariantCulture;
        await stdout.WriteLineAsync($"  {"id",6}  {"state",-9}  {"phase",-12}  {"rows copied/planned",21}  {"created",-20}  pairs").ConfigureAwait(false);
        foreach (var m in moves)
        {
            string rows = string.Format(c, "{0:N0}/{1:N0}", (long?)m!["rowsCopied"] ?? 0, (long?)m["rowsPlanned"] ?? 0);
            string created = m["createdAt"] is { } at ? ((DateTimeOffset)at).ToString("yyyy-MM-dd HH:mm:ss'Z'", c) : "";
            string pairs = string.Join(", ", m["pairs"]?.AsArray().Select(p => $"{p!["from"]}->{p["to"]}") ?? []);
            await stdout.WriteLineAsync($"  {m["id"],6}  {m["state"],-9}  {m["phase"],-12}  {rows,21}  {created,-20}  {pairs}").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    // cancel: ask the server to stop a move before its switch; it rolls back (follow it with status --wait).
    private static async Task<int> CancelAsync(HttpClient http, ParseResult parsed, long id, CancellationToken ct)
    {
        var (stdout, stderr) = (parsed.InvocationConfiguration.Output, parsed.InvocationConfiguration.Error);
        var response = await AdminApiClient.SendAsync(http, HttpMethod.Post, $"/admin/rebalance/{id}/cancel", null, ct).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            return await ReportAsync($"rebalance cancel {id}", response, stderr).ConfigureAwait(false);
        }

        await stderr.WriteLineAsync($"Move {id}: cancel requested ({response.Body?["state"]}); it rolls back. Follow it: datatier rebalance status {id} --wait")
            .ConfigureAwait(false);
        await stdout.WriteLineAsync(CliJson.Format(response.Body)).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    // A positive whole number, checked while parsing so that a wrong id is a usage error.
    private static Argument<long> MoveIdArgument() => new("ID")
    {
        Description = "The move (see: datatier rebalance list).",
        CustomParser = result =>
        {
            string text = result.Tokens[0].Value;
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > 0)
            {
                return id;
            }

            result.AddError($"Move id '{text}' is not a positive whole number (see: datatier rebalance list).");
            return ExitCodes.Ok;
        },
    };
}
