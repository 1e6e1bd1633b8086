using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;
using Microsoft.EntityFrameworkCore;

namespace DataTier.IntegrationTests.Postgres.Demo;

/// <summary>A row of the demo table <c>tasks</c>, keyed as the table is, by (team_id, task_id).</summary>
[Table("tasks")]
[PrimaryKey(nameof(TeamId), nameof(TaskId))]
public sealed class DemoTask
{
    [Column("team_id")]
    public required string TeamId { get; set; }

    [Column("task_id")]
    public Guid TaskId { get; set; }

    [Column("user_id")]
    public long? UserId { get; set; }

    [Column("status")]
    public string Status { get; set; } = "open";

    [Column("priority")]
    public int Priority { get; set; }

    [Column("title")]
    public string Title { get; set; } = "";

    [Column("created_at")]
    public DateTimeOffset CreatedAt { get; set; } = DateTimeOffset.UtcNow;

    [Column("updated_at")]
    public DateTimeOffset UpdatedAt { get; set; } = DateTimeOffset.UtcNow;

    /// <summary>
    /// The row version: Npgsql's provider maps a <c>uint</c> row version onto the system column <c>xmin</c>, which every
    /// update changes, so optimistic concurrency needs no version column.
    /// </summary>
    [Timestamp]
    public uint Version { get; set; }
}
