using System.Globalization;
using System.Text.Json.Nodes;
using DataTier.Cli.Arguments;
using DataTier.Cli.Moves;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>datatier rebalance run|status|list|cancel</c>: moves rows to the desired topology through a server's admin API
/// and follows them. The move runs in the server; this only starts, watches and cancels it.
/// </summary>
internal static class RebalanceMoveCommand
{
    public const string Usage =
        "rebalance run [--max-write-pause-ms N] [--no-wait] | rebalance status ID [--wait] | rebalance list [--json] | rebalance cancel ID  [--server URL] [--key ADMIN_KEY] [--dir D]";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static Task<int> RunAsync(string verb, ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct) => verb switch
    {
        "run" => StartAsync(args, stdout, stderr, ct),
        "status" => StatusAsync(args, stdout, stderr, ct),
        "list" => ListAsync(args, stdout, stderr, ct),
        "cancel" => CancelAsync(args, stdout, stderr, ct),
        _ => throw new UsageException($"Unknown rebalance command '{verb}'."),
    };

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
    private static async Task<int> StartAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        int? pause = args.IntOption("--max-write-pause-ms", 50, 60_000);
        bool noWait = args.Flag("--no-wait");
        using var http = CreateClient(args);
        args.EnsureAllUsed();
        var (started, move) = await StartMoveAsync(http, pause, !noWait, stderr, ct).ConfigureAwait(false);
        if (move is null)
        {
            return await ReportAsync("rebalance run", started, stderr).ConfigureAwait(false);
        }

        await stdout.WriteLineAsync(CliJson.Format(move)).ConfigureAwait(false);
        return noWait ? ExitCodes.Ok : MoveWatcher.ExitCodeFor((string?)move["state"]);
    }

    // status: one progress line on stderr and the document on stdout; --wait follows the move as run does.
    private static async Task<int> StatusAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        long id = MoveId(args, "status");
        bool wait = args.Flag("--wait");
        using var http = CreateClient(args);
        args.EnsureAllUsed();
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
    private static async Task<int> ListAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        bool json = args.Flag("--json");
        using var http = CreateClient(args);
        args.EnsureAllUsed();
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
    private static async Task<int> CancelAsync(ArgumentReader args, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        long id = MoveId(args, "cancel");
        using var http = CreateClient(args);
        args.EnsureAllUsed();
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

    private static long MoveId(ArgumentReader args, string verb)
    {
        string text = args.Positional() ?? throw new UsageException($"rebalance {verb} needs a move id (see: datatier rebalance list).");
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > 0
            ? id
            : throw new UsageException($"Move id '{text}' is not a positive whole number (see: datatier rebalance list).");
    }

    private static HttpClient CreateClient(ArgumentReader args) =>
        AdminApiClient.Create(args.Option("--server"), args.Option("--key"), args.Option("--dir"), RequestTimeout);
}
