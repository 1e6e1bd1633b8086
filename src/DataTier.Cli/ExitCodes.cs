namespace DataTier.Cli;

/// <summary>What the CLI's exit code means, so that scripts can tell a refusal from a failure.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Failed: a wrong command line, an unreachable server, a move that failed or was cancelled.</summary>
    public const int Failed = 1;

    /// <summary>The server refused (409): e.g. a move already running or nothing to move; the message says why.</summary>
    public const int Refused = 2;

    /// <summary>Stopped by Ctrl-C or SIGTERM.</summary>
    public const int Interrupted = 130;
}
