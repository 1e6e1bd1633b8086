using System.Diagnostics;

namespace DataTier.Core.Diagnostics;

/// <summary>
/// Carries the W3C trace context into the SQL a shard runs, as a sqlcommenter comment
/// (<c>/*traceparent='00-{trace}-{span}-01'*/</c>), so the shard's <c>pg_stat_activity</c> and its logs
/// (<c>log_min_duration_statement</c>) say which request ran a statement. Only for a recorded span: the comment
/// makes the text unique per request, which defeats Npgsql's automatic preparation (each traced statement is parsed
/// and planned afresh), so unsampled and untraced requests keep the exact text and the prepared path.
/// pg_stat_statements computes its queryid from the parse tree, which has no comments: grouping is unchanged.
/// </summary>
internal static class SqlCommenter
{
    /// <summary>
    /// The statement text to send: <paramref name="sql"/> itself unless the current span is recorded. The comment goes
    /// first (not last, as sqlcommenter's other libraries do) so that a long statement cut at
    /// <c>track_activity_query_size</c> still shows it, and a trailing <c>--</c> comment or semicolon cannot swallow it.
    /// </summary>
    public static string Apply(string sql)
    {
        if (!DataTierTracing.Enabled || Activity.Current is not { Recorded: true, IdFormat: ActivityIdFormat.W3C } current)
        {
            return sql;
        }

        // Id is "00-{32 hex}-{16 hex}-{2 hex}": hex and dashes only, nothing to escape inside the quotes.
        return string.Concat("/*traceparent='", current.Id, "'*/ ", sql);
    }
}
