using System.Text.Json;
using DataTier.CommandLine;

namespace DataTier.LoadReport.Model;

/// <summary>A whole run of bench/run: <c>reports/&lt;stamp&gt;.json</c>.</summary>
internal sealed record BenchReport
{
    public const int CurrentSchema = 1;

    public int SchemaVersion { get; init; } = CurrentSchema;

    public required string Stamp { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset FinishedAt { get; init; }

    public required RunSettings Settings { get; init; }

    public required MachineInfo Machine { get; init; }

    public required IReadOnlyList<ScenarioResult> Scenarios { get; init; }

    public required IReadOnlyList<ComparisonRow> Comparisons { get; init; }

    public required IReadOnlyList<TargetCheck> Targets { get; init; }

    /// <summary>Largest VmRSS of the cache-on DataTier server over the whole run, warm-up included (MB).</summary>
    public required double DataTierMaxRssMb { get; init; }

    /// <summary>Largest VmRSS of the cache-off DataTier server over the whole run (MB).</summary>
    public required double CacheOffMaxRssMb { get; init; }

    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }

    public ScenarioResult? Find(string name) => Scenarios.FirstOrDefault(s => s.Name == name);

    public static BenchReport Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{path} does not exist.");
        }

        BenchReport? report;
        try
        {
            report = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(path), Json.Options);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path} is not a bench/run report: {e.Message}");
        }

        if (report is null || report.SchemaVersion != CurrentSchema)
        {
            throw new UsageException($"{path} is not a bench/run report of schema {CurrentSchema}.");
        }

        return report;
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json.Options) + "\n");
}
