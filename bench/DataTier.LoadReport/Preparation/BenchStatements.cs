using System.Globalization;

namespace DataTier.LoadReport.Preparation;

/// <summary>
/// The statements of the compared scenarios as pgbench runs them. The wrk scripts in bench/load send the same SQL
/// through DataTier with bound parameters (hot_read.lua, point_read.lua, aggregate.lua); keep them in step.
/// </summary>
internal static class BenchStatements
{
    /// <summary>Hot read: a primary-key read of one team. The key is a literal: one script per team, weighted.</summary>
    public static string HotRead(string team) =>
        $"select team_id, name, plan, created_at from teams where team_id = '{team}';\n";

    /// <summary>
    /// Point read: one activity_logs row by primary key. The demo loader made log_id = md5(team_id || '/log/' || n),
    /// so pgbench, which has only numeric variables, derives the key in SQL (an md5 of ~20 bytes, well under a
    /// microsecond) where DataTier's callers bind the uuid.
    /// </summary>
    public static string PointRead(string team, int logsPerTeam) => string.Create(CultureInfo.InvariantCulture, $"""
        \set n random(1, {logsPerTeam})
        select log_id, user_id, action, created_at from activity_logs where team_id = '{team}' and log_id = md5('{team}/log/' || :n)::uuid;

        """);

    /// <summary>
    /// The heavy aggregate over the whole shard. Four values of the bound minimum (below every user_id) give four
    /// distinct statements to cache. It returns no timestamp and calls only immutable functions: Pgpool-II's query
    /// cache refuses results that do (a <c>max(created_at)</c> column kept it from caching this statement at all).
    /// </summary>
    public const string Aggregate = """
        \set min random(0, 3)
        select action, count(*) as n, count(distinct user_id) as users, sum(length(details::text)) as detail_bytes from activity_logs where user_id > :min group by action order by n desc;

        """;

    /// <summary>
    /// The write: the insert writes.lua sends through DataTier (same columns, a random user, a small jsonb), as one
    /// script per comparison team of shard s1, straight to its primary.
    /// </summary>
    public static string Write(string team) => string.Create(CultureInfo.InvariantCulture, $$"""
        \set u random(1, 1000000)
        insert into activity_logs (team_id, user_id, action, details) values ('{{team}}', :u, 'bench.write', '{"pgbench": true}'::jsonb);

        """);
}
