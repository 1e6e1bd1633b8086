namespace DataTier.IntegrationTests.Postgres.Demo;

/// <summary>A row of the demo table <c>tasks</c>, keyed by (team_id, task_id); <see cref="Version"/> is PostgreSQL's <c>xmin</c>.</summary>
public sealed class DemoTask
{
    public required string TeamId { get; set; }

    public Guid TaskId { get; set; }

    public long? UserId { get; set; }

    public string Status { get; set; } = "open";

    public int Priority { get; set; }

    public string Title { get; set; } = "";

    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>The row version: the system column <c>xmin</c>, which every update changes.</summary>
    public uint Version { get; set; }
}
