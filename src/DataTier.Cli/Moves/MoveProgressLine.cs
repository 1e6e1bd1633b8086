using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace DataTier.Cli.Moves;

/// <summary>
/// One line of a move's progress, from its status document (<c>GET /admin/rebalance/{id}</c>), e.g.
/// <c>move 7 [########------------]  41.2%  82,400/200,000 rows  9,310 rows/s  ETA 0:13  copying</c>.
/// </summary>
internal static class MoveProgressLine
{
    private const int BarWidth = 20;

    public static string Format(JsonNode status)
    {
        var c = CultureInfo.InvariantCulture;
        long planned = Long(status["rowsPlanned"]) ?? 0;
        long copied = Long(status["rowsCopied"]) ?? 0;
        string state = Text(status["state"]) ?? "?";
        string phase = Text(status["phase"]) ?? "?";

        // A move with nothing to copy (empty ranges) is complete once it is done, not at 0 %.
        double fraction = planned > 0 ? Math.Clamp((double)copied / planned, 0, 1) : state == "done" ? 1 : 0;
        int filled = (int)Math.Round(fraction * BarWidth);
        var line = new StringBuilder();
        line.Append(c, $"move {status["id"]} [{new string('#', filled)}{new string('-', BarWidth - filled)}] {fraction * 100,5:0.0}%");
        line.Append(c, $"  {copied:N0}/{planned:N0} rows");
        if (Double(status["rowsPerSecond"]) is { } rate)
        {
            line.Append(c, $"  {rate:N0} rows/s");
        }

        // The ETA is the copy's; after it (catching up, fencing, cleaning up) the phase says what is left.
        if (state == "running" && (Double(status["etaSeconds"]) is not null || phase is "preparing" or "copying"))
        {
            line.Append("  ETA ").Append(Double(status["etaSeconds"]) is { } eta ? Duration(eta) : "-");
        }

        line.Append("  ").Append(state == "running" || state == phase ? phase : $"{state} ({phase})");
        if (Long(status["fenceAttempts"]) is long attempts and > 0)
        {
            line.Append(c, $", fence attempts {attempts}");
        }

        return line.ToString();
    }

    /// <summary>The closing line: how it ended, in how long, and the longest write pause it caused.</summary>
    public static string Summary(JsonNode status, TimeSpan watched)
    {
        var c = CultureInfo.InvariantCulture;
        string state = Text(status["state"]) ?? "?";
        var text = new StringBuilder();
        text.Append(c, $"Move {status["id"]} {state} after {Duration(watched.TotalSeconds)}: {Long(status["rowsCopied"]) ?? 0:N0} of {Long(status["rowsPlanned"]) ?? 0:N0} rows copied");
        if (status["pairs"] is JsonArray pairs && pairs.Count > 0)
        {
            text.Append(" (").AppendJoin(", ", pairs.Select(p => $"{p?["from"]} -> {p?["to"]} {p?["state"]}")).Append(')');
        }

        if (Double(status["longestWritePauseMs"]) is { } pause)
        {
            text.Append(c, $"; longest write pause {pause:N0} ms");
        }

        text.Append('.');
        if (Text(status["error"]) is { } error)
        {
            text.Append(' ').Append(error);
        }

        return text.ToString();
    }

    /// <summary><c>m:ss</c>, or <c>h:mm:ss</c> from an hour.</summary>
    public static string Duration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, Math.Round(seconds)));
        return span.TotalHours >= 1
            ? span.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : span.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static long? Long(JsonNode? node) => node is JsonValue v && v.TryGetValue(out long l) ? l : null;

    private static double? Double(JsonNode? node) => node is JsonValue v && v.TryGetValue(out double d) ? d : null;
}
