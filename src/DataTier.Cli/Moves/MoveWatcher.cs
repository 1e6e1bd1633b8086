using System.Diagnostics;
using System.Text.Json.Nodes;

namespace DataTier.Cli.Moves;

/// <summary>
/// Follows a move (<c>GET /admin/rebalance/{id}</c> every 500 ms) until it ends, drawing its progress on stderr: one
/// line redrawn in place on a terminal; else (a log, CI) a line per change of phase and every 5 s.
/// </summary>
internal static class MoveWatcher
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    // The move outlives its driver (another instance, or the same one restarted, takes it over), so a server that
    // stops answering for a while is waited for rather than given up on at once.
    private static readonly TimeSpan UnreachableLimit = TimeSpan.FromSeconds(60);

    /// <summary>Whether a move in <paramref name="state"/> has ended (done, failed or cancelled).</summary>
    public static bool HasEnded(string? state) => state is "done" or "failed" or "cancelled";

    /// <summary>The exit code for a move that ended in <paramref name="state"/>: only done is success.</summary>
    public static int ExitCodeFor(string? state) => state == "done" ? ExitCodes.Ok : ExitCodes.Failed;

    /// <summary>Polls move <paramref name="id"/> until it has ended and returns its last status document.</summary>
    /// <param name="http">A client for the admin API.</param>
    /// <param name="id">The move.</param>
    /// <param name="stderr">Where progress goes.</param>
    /// <param name="inPlace">Redraw one line with <c>\r</c> (stderr is a terminal).</param>
    /// <param name="ct">Stops watching (the move goes on).</param>
    public static async Task<JsonNode> WaitAsync(HttpClient http, long id, TextWriter stderr, bool inPlace, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string? lastPhase = null;
        var lastLine = TimeSpan.MinValue;
        int drawn = 0;
        Stopwatch? unreachable = null;
        try
        {
            while (true)
            {
                AdminResponse response;
                try
                {
                    response = await AdminApiClient.SendAsync(http, HttpMethod.Get, $"/admin/rebalance/{id}", null, ct).ConfigureAwait(false);
                    unreachable = null;
                }
                catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException)
                {
                    unreachable ??= Stopwatch.StartNew();
                    if (unreachable.Elapsed > UnreachableLimit)
                    {
                        throw new HttpRequestException(
                            $"The server has not answered for {UnreachableLimit.TotalSeconds:0} s ({e.Message}). Move {id} may still run: " +
                            $"ask again with 'datatier rebalance status {id}'.", e);
                    }

                    await Task.Delay(PollInterval, ct).ConfigureAwait(false);
                    continue;
                }

                if (!response.IsSuccess)
                {
                    throw new HttpRequestException($"GET /admin/rebalance/{id} answered {(int)response.Status}: {response.Detail}", null, response.Status);
                }

                var status = response.Body!;
                string? state = (string?)status["state"];
                string? phase = (string?)status["phase"];
                string line = MoveProgressLine.Format(status);
                if (inPlace)
                {
                    line = Fit(line);
                    await stderr.WriteAsync("\r" + line.PadRight(drawn)).ConfigureAwait(false);
                    drawn = line.Length;
                }
                else if (phase != lastPhase || clock.Elapsed - lastLine >= LogInterval || HasEnded(state))
                {
                    await stderr.WriteLineAsync(line).ConfigureAwait(false);
                    lastLine = clock.Elapsed;
                }

                lastPhase = phase;
                await stderr.FlushAsync(ct).ConfigureAwait(false);
                if (HasEnded(state))
                {
                    if (drawn > 0)
                    {
                        await stderr.WriteLineAsync().ConfigureAwait(false);
                        drawn = 0;
                    }

                    await stderr.WriteLineAsync(MoveProgressLine.Summary(status, clock.Elapsed)).ConfigureAwait(false);
                    return status;
                }

                await Task.Delay(PollInterval, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl-C stops the watching, not the move: say how to pick it up again or to stop it.
            await stderr.WriteLineAsync((drawn > 0 ? "\n" : "") +
                $"Stopped watching; move {id} goes on in the server. Follow it: datatier rebalance status {id} --wait; " +
                $"stop it: datatier rebalance cancel {id}").ConfigureAwait(false);
            throw;
        }
    }

    // A line longer than the terminal wraps, and \r then redraws only its last part.
    private static string Fit(string line)
    {
        int width;
        try
        {
            width = Console.WindowWidth;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return line;
        }

        return width > 1 && line.Length >= width ? line[..(width - 1)] : line;
    }
}
