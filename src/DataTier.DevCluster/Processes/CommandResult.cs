namespace DataTier.DevCluster.Processes;

/// <summary>Exit code and combined output of a finished command.</summary>
internal sealed record CommandResult(int ExitCode, string Output)
{
    /// <summary>The last lines of the output, for error messages.</summary>
    public string Tail(int lines = 15) => OutputTail.Of(Output, lines);
}
