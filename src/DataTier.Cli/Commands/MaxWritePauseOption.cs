using System.CommandLine;
using DataTier.CommandLine;

namespace DataTier.Cli.Commands;

/// <summary><c>--max-write-pause-ms N</c>: the longest a move may hold writes at its switch (the server's default when absent).</summary>
internal static class MaxWritePauseOption
{
    public static Option<int?> Create() =>
        RangeOptions.Int("--max-write-pause-ms", 50, 60_000, "The longest the move may hold writes at its switch, in ms (default: the server's).");
}
