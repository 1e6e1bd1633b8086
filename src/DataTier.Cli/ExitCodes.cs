namespace DataTier.Cli;

/// <summary>What the CLI's exit code means, so that scripts can tell a wrong command line or a refusal from a failure.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Failed: an unreachable server or an error it answered, a move that failed or was cancelled.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong (an unknown option, a missing argument, a value out of range); its usage is printed.</summary>
    public const int Usage = 2;

    /// <summary>
    /// The server refused (409): e.g. a move already running or nothing to move; the message says why. The same code as
    /// <see cref="Usage"/>, as before the usage code existed: in both cases nothing was done and the line must change.
    /// </summary>
    public const int Refused = 2;

    /// <summary>Stopped by Ctrl-C or SIGTERM.</summary>
    public const int Interrupted = 130;

    /// <summary>The exit codes as the root <c>--help</c> and the README state them.</summary>
    public static readonly string Help = $"""
        Exit codes:
          {Ok}    done
          {Failed}    failed: the server could not be reached or answered an error, a move failed or was cancelled,
               'shard verify' found misplaced rows, a dev cluster could not be started or is not running
          {Usage}    nothing was done: the command line is wrong (the command's usage follows the error on stderr),
               or the server refused the request (409, e.g. a move already running, nothing to move)
          {Interrupted}  stopped by Ctrl-C or SIGTERM
        """;
}
