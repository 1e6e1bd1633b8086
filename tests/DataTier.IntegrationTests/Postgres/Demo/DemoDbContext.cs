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
}
