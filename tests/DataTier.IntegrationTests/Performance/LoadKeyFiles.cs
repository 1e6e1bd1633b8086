using System.Globalization;
using DataTier.IntegrationTests.Infrastructure;

namespace DataTier.IntegrationTests.Performance;

/// <summary>
/// The key files the bench/load scripts read (bench/run writes them with DataTier.LoadReport prepare), made from the
/// test cluster: demo teams of s1 for the reads, and fresh keys of this test for everything that writes, so the
/// demo rows other tests count stay as loaded.
/// </summary>
internal sealed class LoadKeyFiles : IDisposable
{
    private LoadKeyFiles(string dir) => Dir = dir;

    public string Dir { get; }

    public static async Task<LoadKeyFiles> WriteAsync(ClusterFixture fixture, string writePrefix)
    {
        var files = new LoadKeyFiles(Directory.CreateTempSubdirectory("datatier-load-keys-").FullName);
        string s1 = fixture.Manifest.Shards[0].Primary;
        var teams = (await Db.StringsAsync(s1, "select team_id from teams where team_id ~ '^team-[0-9]+$' order by md5(team_id) limit 10")).ToList();
        Assert.NotEmpty(teams);
        // Zipf-like integer weights, hottest first, as DataTier.LoadReport writes them.
        await File.WriteAllLinesAsync(Path.Combine(files.Dir, "hot-teams-s1.txt"),
            teams.Select((t, i) => string.Create(CultureInfo.InvariantCulture, $"{t} {Math.Max(1, (int)Math.Round(100_000 / Math.Pow(i + 1, 1.1)))}")));

        var keys = new List<string>();
        await using (var connection = await Db.OpenAsync(s1))
        {
            await using var command = new Npgsql.NpgsqlCommand(
                "select team_id, log_id::text from activity_logs where team_id = any(@teams) and details ? 'seq' order by team_id, log_id", connection);
            command.Parameters.AddWithValue("teams", teams.ToArray());
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                keys.Add($"{reader.GetString(0)} {reader.GetString(1)}");
            }
        }

        Assert.NotEmpty(keys);
        await File.WriteAllLinesAsync(Path.Combine(files.Dir, "point-keys-s1.txt"), keys);
        // Scatter reads, writes and session reads use these: keys of this test only, spread over both shards.
        await File.WriteAllLinesAsync(Path.Combine(files.Dir, "teams-all.txt"),
            Enumerable.Range(1, 20).Select(i => string.Create(CultureInfo.InvariantCulture, $"{writePrefix}-{i}")));
        return files;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
