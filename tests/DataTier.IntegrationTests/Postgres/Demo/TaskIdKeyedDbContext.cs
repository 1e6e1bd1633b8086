using Microsoft.EntityFrameworkCore;

namespace DataTier.IntegrationTests.Postgres.Demo;

/// <summary>
/// The demo <c>tasks</c> mapped as many applications map a table: keyed by its id alone, without the shard key. Its
/// updates are <c>UPDATE tasks ... WHERE task_id = $n AND xmin = $m</c>, which name no shard key.
/// </summary>
public sealed class TaskIdKeyedDbContext(string connectionString) : DbContext
{
    public DbSet<DemoTask> Tasks => Set<DemoTask>();

    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.UseNpgsql(connectionString);

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<DemoTask>().HasKey(t => t.TaskId);
}
