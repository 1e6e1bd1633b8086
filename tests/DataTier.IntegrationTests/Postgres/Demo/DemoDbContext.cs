using Microsoft.EntityFrameworkCore;

namespace DataTier.IntegrationTests.Postgres.Demo;

/// <summary>
/// An application's DbContext over the demo tables, written as it would be for one PostgreSQL database: nothing in it
/// knows about DataTier. Only the connection string decides whether it talks to a shard directly or to the wire.
/// </summary>
public sealed class DemoDbContext(string connectionString) : DbContext
{
    public DbSet<DemoTeam> Teams => Set<DemoTeam>();

    public DbSet<DemoTask> Tasks => Set<DemoTask>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.UseNpgsql(connectionString);

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<DemoTeam>(team =>
        {
            team.ToTable("teams");
            team.HasKey(t => t.TeamId);
            team.Property(t => t.TeamId).HasColumnName("team_id");
            team.Property(t => t.Name).HasColumnName("name");
            team.Property(t => t.Plan).HasColumnName("plan");
            team.Property(t => t.CreatedAt).HasColumnName("created_at");
        });

        modelBuilder.Entity<DemoTask>(task =>
        {
            task.ToTable("tasks");
            task.HasKey(t => new { t.TeamId, t.TaskId });
            task.Property(t => t.TeamId).HasColumnName("team_id");
            task.Property(t => t.TaskId).HasColumnName("task_id");
            task.Property(t => t.UserId).HasColumnName("user_id");
            task.Property(t => t.Status).HasColumnName("status");
            task.Property(t => t.Priority).HasColumnName("priority");
            task.Property(t => t.Title).HasColumnName("title");
            task.Property(t => t.CreatedAt).HasColumnName("created_at");
            task.Property(t => t.UpdatedAt).HasColumnName("updated_at");

            // Npgsql's provider maps a uint row version onto the xmin system column: optimistic concurrency with no version column.
            task.Property(t => t.Version).IsRowVersion();
        });
    }
}
