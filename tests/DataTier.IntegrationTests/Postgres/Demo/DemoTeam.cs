namespace DataTier.IntegrationTests.Postgres.Demo;

/// <summary>A row of the demo table <c>teams</c> (migrations: InitialShardSchema).</summary>
public sealed class DemoTeam
{
    public required string TeamId { get; set; }

    public required string Name { get; set; }

    public string Plan { get; set; } = "free";

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
