using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DataTier.LoadReport.Cluster;
using DataTier.CommandLine;
using Npgsql;

namespace DataTier.LoadReport.Preparation;

/// <summary>
/// Reads the demo data's keys from the cluster and writes the files both load generators use, so that wrk (through
/// DataTier) and pgbench (direct and through pgpool) read the same rows with the same key distribution:
/// <list type="bullet">
/// <item><c>hot-teams-s1.txt</c>: "team weight" per line, Zipf weights over the comparison teams of shard s1;</item>
/// <item><c>point-keys-s1.txt</c>: "team_id log_id" of every demo row of those teams;</item>
/// <item><c>teams-all.txt</c>: the team ids of every shard (scatter reads, writes, session reads);</item>
/// <item><c>teams-s1.txt</c>: the comparison teams of shard s1 (the writes compared with pgbench's);</item>
/// <item><c>pgbench/*.sql</c>: one script per team (a literal key; pgbench has no string variables) weighted like
/// the wrk sampler, and the aggregate.</item>
/// </list>
/// </summary>
internal static partial class DataPreparer
{
    /// <summary>pgbench accepts at most 128 scripts; the comparison keys are this many teams of s1.</summary>
    public const int MaxComparisonTeams = 100;

    public static async Task<PreparedData> PrepareAsync(DevClusterManifest manifest, string dataDir, int comparisonTeams, double zipfExponent, CancellationToken ct)
    {
        if (comparisonTeams is < 1 or > MaxComparisonTeams)
        {
            throw new UsageException($"--teams is {comparisonTeams}; it must be from 1 to {MaxComparisonTeams} (one pgbench script per team).");
        }

        Directory.CreateDirectory(dataDir);
        string scriptDir = Path.Combine(dataDir, "pgbench");
        Directory.CreateDirectory(scriptDir);

        var shard = manifest.ComparisonShard;
        var shardTeams = await ReadTeamsAsync(shard.PrimaryEndpoint, ct);
        if (shardTeams.Count < comparisonTeams)
        {
            throw new UsageException(
                $"Shard {shard.Id} holds {shardTeams.Count} teams, fewer than the {comparisonTeams} the comparison needs; start the cluster with more --rows.");
        }

        var allTeams = new List<string>(shardTeams);
        foreach (var other in manifest.Shards.Skip(1))
        {
            allTeams.AddRange(await ReadTeamsAsync(other.PrimaryEndpoint, ct));
        }

        var teams = shardTeams.Take(comparisonTeams).ToList();
        var (keys, logsPerTeam) = await ReadPointKeysAsync(shard.PrimaryEndpoint, teams, ct);

        var weights = teams.Select((_, i) => ZipfWeight(i + 1, zipfExponent)).ToList();
        await File.WriteAllLinesAsync(Path.Combine(dataDir, "hot-teams-s1.txt"), teams.Select((t, i) => $"{t} {weights[i].ToString(CultureInfo.InvariantCulture)}"), ct);
        await File.WriteAllLinesAsync(Path.Combine(dataDir, "point-keys-s1.txt"), keys, ct);
        await File.WriteAllLinesAsync(Path.Combine(dataDir, "teams-all.txt"), allTeams, ct);
        await File.WriteAllLinesAsync(Path.Combine(dataDir, "teams-s1.txt"), teams, ct);

        var hot = new List<PgbenchScript>();
        var point = new List<PgbenchScript>();
        var write = new List<PgbenchScript>();
        for (int i = 0; i < teams.Count; i++)
        {
            string n = (i + 1).ToString("000", CultureInfo.InvariantCulture);
            hot.Add(await WriteScriptAsync(Path.Combine(scriptDir, $"hot-read-{n}.sql"), BenchStatements.HotRead(teams[i]), weights[i], ct));
            point.Add(await WriteScriptAsync(Path.Combine(scriptDir, $"point-read-{n}.sql"), BenchStatements.PointRead(teams[i], logsPerTeam), 1, ct));
            write.Add(await WriteScriptAsync(Path.Combine(scriptDir, $"write-{n}.sql"), BenchStatements.Write(teams[i]), 1, ct));
        }

        var aggregate = await WriteScriptAsync(Path.Combine(scriptDir, "aggregate.sql"), BenchStatements.Aggregate, 1, ct);
        var prepared = new PreparedData
        {
            DataDir = Path.GetFullPath(dataDir),
            ShardId = shard.Id,
            ComparisonTeams = teams,
            LogsPerTeam = logsPerTeam,
            ZipfExponent = zipfExponent,
            HotRead = hot,
            PointRead = point,
            Write = write,
            Aggregate = [aggregate],
        };
        prepared.Save();
        return prepared;
    }

    /// <summary>P(rank k) proportional to 1/k^s, as integers (pgbench weights are integers; wrk uses the same ones).</summary>
    public static int ZipfWeight(int rank, double exponent) => Math.Max(1, (int)Math.Round(100_000 / Math.Pow(rank, exponent)));

    // Team ids become SQL literals in the pgbench scripts: accept only what the demo loader makes.
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex SafeKey();

    private static async Task<List<string>> ReadTeamsAsync(PgEndpoint endpoint, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(endpoint.ConnectionString);
        await connection.OpenAsync(ct);
        // A fixed pseudo-random order (not team-1, team-10, ...), the same on every run.
        await using var command = new NpgsqlCommand("select team_id from teams order by md5(team_id)", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var teams = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            string team = reader.GetString(0);
            if (!SafeKey().IsMatch(team))
            {
                throw new InvalidOperationException($"Team id '{team}' on {endpoint} is not a plain key; the load scripts expect the demo data.");
            }

            teams.Add(team);
        }

        return teams;
    }

    private static async Task<(List<string> Keys, int LogsPerTeam)> ReadPointKeysAsync(PgEndpoint endpoint, List<string> teams, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(endpoint.ConnectionString);
        await connection.OpenAsync(ct);
        // Only the demo loader's rows (they carry details.seq and log_id = md5(team_id || '/log/' || seq)), so the
        // pgbench scripts can derive exactly this key set.
        await using var command = new NpgsqlCommand("""
            select team_id, log_id::text, (details->>'seq')::int as seq
            from activity_logs
            where team_id = any(@teams) and details ? 'seq' and log_id = md5(team_id || '/log/' || (details->>'seq'))::uuid
            order by team_id, seq
            """, connection);
        command.Parameters.AddWithValue("teams", teams.ToArray());
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<string>();
        var perTeam = new Dictionary<string, (int Count, int MaxSeq)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
        {
            string team = reader.GetString(0);
            keys.Add($"{team} {reader.GetString(1)}");
            var (count, max) = perTeam.GetValueOrDefault(team);
            perTeam[team] = (count + 1, Math.Max(max, reader.GetInt32(2)));
        }

        var shapes = perTeam.Values.Distinct().ToList();
        if (perTeam.Count != teams.Count || shapes.Count != 1 || shapes[0].Count != shapes[0].MaxSeq)
        {
            throw new InvalidOperationException(
                $"The demo activity_logs rows on {endpoint} are not 1..N per team for the {teams.Count} comparison teams; " +
                "the point-read scripts need the demo loader's keys (start the cluster with its demo data).");
        }

        return (keys, shapes[0].Count);
    }

    private static async Task<PgbenchScript> WriteScriptAsync(string path, string text, int weight, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path, text, new UTF8Encoding(false), ct);
        return new PgbenchScript(path, weight);
    }
}
