using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;

namespace DataTier.IntegrationTests.Postgres.Demo;

/// <summary>A row of the demo table <c>teams</c> (migrations: InitialShardSchema).</summary>
[Table("teams")]
public sealed class DemoTeam
{
    [Key]
    [Column("team_id")]
    public required string TeamId { get; set; }

    [Column("name")]
    public required string Name { get; set; }

    [Column("plan")]
    public string Plan { get; set; } = "free";

    [Column("created_at")]
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;
}
