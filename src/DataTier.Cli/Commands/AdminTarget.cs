using System.CommandLine;

namespace DataTier.Cli.Commands;

/// <summary>
/// <c>--server URL --key ADMIN_KEY --dir D</c>: which DataTier server a command talks to (the dev cluster's unless
/// <c>--server</c> is given). One set per command tree, on every command that calls the admin API and below it.
/// </summary>
internal sealed class AdminTarget
{
    public Option<string?> Server { get; } = new("--server") { Description = "The DataTier server's base URL (default: the dev cluster's).", HelpName = "URL" };

    public Option<string?> Key { get; } = new("--key") { Description = "An admin API key (default: $DATATIER_ADMIN_KEY, else the dev cluster's).", HelpName = "ADMIN_KEY" };

    public Option<string?> Dir { get; } = DevDirOption.Create();

    /// <summary>Adds the three options to <paramref name="command"/> and every command below it; returns it.</summary>
    public T AddTo<T>(T command) where T : Command
    {
        foreach (var option in new Option[] { Server, Key, Dir })
        {
            option.Recursive = true;
            command.Options.Add(option);
        }

        return command;
    }

    /// <summary>Sets <paramref name="command"/>'s action: <paramref name="run"/> with a client for the server the line names.</summary>
    public void SetAction(Command command, TimeSpan timeout, Func<ParseResult, HttpClient, CancellationToken, Task<int>> run) =>
        command.SetAction(async (parsed, ct) =>
        {
            using var http = Create(parsed, timeout);
            return await run(parsed, http, ct).ConfigureAwait(false);
        });

    /// <summary>A client for the server the parsed line names.</summary>
    public HttpClient Create(ParseResult parsed, TimeSpan timeout) =>
        AdminApiClient.Create(parsed.GetValue(Server), parsed.GetValue(Key), parsed.GetValue(Dir), timeout);
}
