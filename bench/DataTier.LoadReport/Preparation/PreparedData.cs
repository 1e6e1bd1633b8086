using System.Text.Json;
using DataTier.CommandLine;

namespace DataTier.LoadReport.Preparation;

/// <summary>
/// What <c>prepare</c> wrote into the data directory (<c>prepared.json</c>): the key files the wrk scripts read and
/// the pgbench scripts that run the same statements on the same keys.
/// </summary>
internal sealed record PreparedData
{
    public const string FileName = "prepared.json";

    public required string DataDir { get; init; }

    /// <summary>The shard whose primary pgbench and pgpool use (<c>s1</c>).</summary>
    public required string ShardId { get; init; }

    /// <summary>Teams of that shard used as keys by the compared scenarios, hottest first.</summary>
    public required IReadOnlyList<string> ComparisonTeams { get; init; }

    /// <summary>Demo activity_logs rows per team (the point-read keys per team).</summary>
    public required int LogsPerTeam { get; init; }

    public required double ZipfExponent { get; init; }

    public required IReadOnlyList<PgbenchScript> HotRead { get; init; }

    public required IReadOnlyList<PgbenchScript> PointRead { get; init; }

    public required IReadOnlyList<PgbenchScript> Aggregate { get; init; }

    /// <summary>The insert of the write scenarios, one script per comparison team.</summary>
    public IReadOnlyList<PgbenchScript> Write { get; init; } = [];

    public static PreparedData Load(string dataDir)
    {
        string path = Path.Combine(dataDir, FileName);
        if (!File.Exists(path))
        {
            throw new UsageException($"{path} does not exist; run 'prepare' first.");
        }

        return JsonSerializer.Deserialize<PreparedData>(File.ReadAllText(path), Json.Options) ?? throw new UsageException($"{path} is empty.");
    }

    public void Save() => File.WriteAllText(Path.Combine(DataDir, FileName), JsonSerializer.Serialize(this, Json.Options));
}
