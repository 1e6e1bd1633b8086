using DataTier.Core.Ring;
using DataTier.DevCluster.State;
using Npgsql;

namespace DataTier.DevCluster.Postgres;

/// <summary>
/// The demo data set: teams <c>team-1</c>..<c>team-N</c>, each with users, tasks, activity logs and agent
/// cards, placed on the shard the hash ring names for its <c>team_id</c>. Generated server side in one batch
/// per shard, with <c>setseed</c> so the same options give the same data.
/// </summary>
internal static class DemoData
{
    public const int UsersPerTeam = 10;
    public const int AgentCardsPerTeam = 2;

    /// <summary>Teams for a row budget: 1,000, or fewer (at least 10) for small budgets.</summary>
    public static int TeamCount(int rows) => Math.Min(1000, Math.Max(10, rows / 200));

    public static IReadOnlyList<string> TeamIds(int rows) =>
        Enumerable.Range(1, TeamCount(rows)).Select(i => $"team-{i}").ToList();

    /// <summary>Loads every shard of the local cluster in parallel; returns the number of teams put on each shard.</summary>
    public static Task<IReadOnlyDictionary<string, int>> LoadAsync(ClusterState state, int rows, CancellationToken ct) =>
        LoadAsync(
            state.Nodes.Where(n => n.Role == ClusterNodeRole.Primary).Select(p => new KeyValuePair<string, string>(p.ShardId!, state.AdminConnectionString(p))).ToList(),
            rows,
            ct);

    /// <summary>
    /// Loads the shards given as (shard id, connection string of the tables' owner) in parallel, each team on the shard a
    /// ring of these shards at weight 1 names (what a server configured with the same ids and weights routes by);
    /// returns the number of teams put on each shard.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, int>> LoadAsync(IReadOnlyList<KeyValuePair<string, string>> primaries, int rows, CancellationToken ct)
    {
        var ring = HashRing.Create(primaries.Select(p => new RingMember(p.Key, 1)));
        var teams = TeamIds(rows);
        var byShard = primaries.ToDictionary(p => p.Key, _ => new List<string>(), StringComparer.Ordinal);
        foreach (string team in teams)
        {
            byShard[ring.GetShard(team)].Add(team);
        }

        int tasksPerTeam = rows / 2 / teams.Count;
        int logsPerTeam = rows / teams.Count;
        await Task.WhenAll(primaries.Select(p =>
            LoadShardAsync(p.Value, byShard[p.Key], tasksPerTeam, logsPerTeam, ct))).ConfigureAwait(false);
        return byShard.ToDictionary(kv => kv.Key, kv => kv.Value.Count, StringComparer.Ordinal);
    }

    /// <summary>Whether any of the shards already holds a team (the demo data, or real data: either way not loaded again).</summary>
    public static async Task<bool> AnyTeamAsync(IReadOnlyList<KeyValuePair<string, string>> primaries, CancellationToken ct)
    {
        foreach (var (_, connectionString) in primaries)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM teams)", connection);
            if ((bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task LoadShardAsync(string adminConnectionString, List<string> teams, int tasksPerTeam, int logsPerTeam, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(adminConnectionString) { CommandTimeout = 600, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var command = new NpgsqlCommand(LoadSql, connection, transaction))
        {
            command.Parameters.AddWithValue("teams", teams.ToArray());
            command.Parameters.AddWithValue("users", UsersPerTeam);
            command.Parameters.AddWithValue("tasks", tasksPerTeam);
            command.Parameters.AddWithValue("logs", logsPerTeam);
            command.Parameters.AddWithValue("agents", AgentCardsPerTeam);
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        await transaction.CommitAsync(ct).ConfigureAwait(false);

        // Statistics for the planner now, and workload statistics that start from zero rather than from the load.
        await using var after = new NpgsqlCommand("ANALYZE; SELECT pg_stat_statements_reset(); SELECT pg_qualstats_reset();", connection);
        await after.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // The volatile columns (random(), now() - random() ...) sit in subqueries the planner cannot flatten,
    // so each is computed once per row and may be referenced twice (tasks.updated_at >= created_at).
    private const string LoadSql = """
        SELECT setseed(0.42);

        CREATE TEMP TABLE demo_teams ON COMMIT DROP AS
        SELECT team_id, split_part(team_id, '-', 2)::bigint AS n
        FROM unnest(@teams::text[]) WITH ORDINALITY AS t(team_id, ord)
        ORDER BY ord;

        INSERT INTO teams (team_id, name, plan, created_at)
        SELECT team_id,
               'Team ' || n,
               (ARRAY['free', 'free', 'free', 'pro', 'pro', 'enterprise'])[1 + floor(random() * 6)::int],
               now() - interval '365 days' * random()
        FROM demo_teams ORDER BY n;

        INSERT INTO users (team_id, user_id, email, created_at)
        SELECT t.team_id,
               t.n * 1000 + u,
               'user' || u || '@' || t.team_id || '.example.com',
               now() - interval '180 days' * random()
        FROM demo_teams t CROSS JOIN generate_series(1, @users) AS u
        ORDER BY t.n, u;

        INSERT INTO tasks (team_id, task_id, user_id, status, priority, title, created_at, updated_at)
        SELECT team_id, task_id, user_id, status, priority, title, created_at,
               created_at + (now() - created_at) * random()
        FROM (
            SELECT t.team_id,
                   md5(t.team_id || '/task/' || g)::uuid AS task_id,
                   t.n * 1000 + 1 + g % @users AS user_id,
                   (ARRAY['open', 'open', 'open', 'in_progress', 'in_progress', 'done', 'done', 'done', 'done', 'blocked'])[1 + floor(random() * 10)::int] AS status,
                   floor(random() * 5)::int AS priority,
                   'Task ' || g || ' of ' || t.team_id AS title,
                   now() - interval '90 days' * random() AS created_at
            FROM demo_teams t CROSS JOIN generate_series(1, @tasks) AS g
            ORDER BY t.n, g
        ) s;

        INSERT INTO activity_logs (team_id, log_id, user_id, action, details, created_at)
        SELECT t.team_id,
               md5(t.team_id || '/log/' || g)::uuid,
               t.n * 1000 + 1 + floor(random() * @users)::int,
               (ARRAY['task.created', 'task.updated', 'task.completed', 'comment.added', 'user.login', 'agent.run'])[1 + floor(random() * 6)::int],
               jsonb_build_object(
                   'source', (ARRAY['web', 'api', 'cli', 'agent'])[1 + floor(random() * 4)::int],
                   'task_id', md5(t.team_id || '/task/' || (1 + g % greatest(@tasks, 1)))::uuid,
                   'seq', g),
               now() - interval '90 days' * random()
        FROM demo_teams t CROSS JOIN generate_series(1, @logs) AS g
        ORDER BY t.n, g;

        INSERT INTO agent_cards (team_id, agent_id, card, updated_at)
        SELECT t.team_id,
               t.n * 1000 + a,
               jsonb_build_object(
                   'name', 'agent-' || a,
                   'model', (ARRAY['small', 'medium', 'large'])[1 + floor(random() * 3)::int],
                   'skills', jsonb_build_array('triage', 'summarize'),
                   'version', 1),
               now() - interval '30 days' * random()
        FROM demo_teams t CROSS JOIN generate_series(1, @agents) AS a
        ORDER BY t.n, a;
        """;
}
