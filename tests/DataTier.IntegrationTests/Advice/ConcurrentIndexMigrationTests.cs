using System.Diagnostics;
using DataTier.DevCluster;
using DataTier.IntegrationTests.Infrastructure;
using DataTier.Migrations;
using DataTier.Migrations.Indexes;
using FluentMigrator;
using Npgsql;

namespace DataTier.IntegrationTests.Advice;

/// <summary>An index migration runs CREATE INDEX CONCURRENTLY outside a transaction, waits out locks, and rebuilds INVALID indexes.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ConcurrentIndexMigrationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_runner_builds_the_index_concurrently_outside_a_transaction()
    {
        await WithScratchDatabaseAsync(async target =>
        {
            var report = MigrationApplier.Apply(target, MigrationSet.Shard, ItConcurrentIndex.Tag, typeof(ItConcurrentIndex).Assembly, dryRun: false, sqlOut: null);
            Assert.Equal([ItConcurrentIndex.Version], report.Ran.Select(m => m.Version));
            // PostgreSQL refuses CREATE INDEX CONCURRENTLY in a transaction block, so a valid index proves the runner ran it outside one.
            Assert.True(await Db.ScalarAsync<bool>(target, "select indisvalid from pg_index where indexrelid = 'it_cic_v_idx'::regclass"));
        });
    }

    [Fact]
    public async Task The_same_migration_inside_a_transaction_is_refused()
    {
        await WithScratchDatabaseAsync(target =>
        {
            var e = Assert.ThrowsAny<Exception>(() => MigrationApplier.Apply(target, MigrationSet.Shard, ItConcurrentIndexInTransaction.Tag, typeof(ItConcurrentIndex).Assembly, dryRun: false, sqlOut: null));
            Assert.Contains("outside a transaction", e.ToString(), StringComparison.Ordinal);
            return Task.CompletedTask;
        });
    }

    [Fact]
    public async Task A_build_blocked_by_a_lock_retries_after_its_lock_timeout_and_succeeds()
    {
        await WithScratchDatabaseAsync(async target =>
        {
            var previous = ConcurrentIndexBuilder.LockTimeout;
            ConcurrentIndexBuilder.LockTimeout = TimeSpan.FromMilliseconds(300);
            try
            {
                await using var holder = await Db.OpenAsync(target);
                await using (var lockCmd = new NpgsqlCommand("BEGIN; LOCK TABLE it_cic IN SHARE UPDATE EXCLUSIVE MODE", holder))
                {
                    await lockCmd.ExecuteNonQueryAsync();
                }

                var release = Task.Run(async () =>
                {
                    await Task.Delay(2000);
                    await using var commit = new NpgsqlCommand("COMMIT", holder);
                    await commit.ExecuteNonQueryAsync();
                });
                var log = new List<string>();
                var watch = Stopwatch.StartNew();
                await using var connection = await Db.OpenAsync(target);
                var outcome = ConcurrentIndexBuilder.Build(connection, "CREATE INDEX CONCURRENTLY IF NOT EXISTS it_cic_v_idx ON it_cic (v)", log.Add);
                await release;
                Assert.Equal(ConcurrentIndexBuilder.Outcome.Built, outcome);
                Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.5), "the build waited for the lock");
                Assert.Contains(log, l => l.Contains("lock wait exceeded", StringComparison.Ordinal));
                Assert.True(await Db.ScalarAsync<bool>(target, "select indisvalid from pg_index where indexrelid = 'it_cic_v_idx'::regclass"));
            }
            finally
            {
                ConcurrentIndexBuilder.LockTimeout = previous;
            }
        });
    }

    [Fact]
    public async Task An_invalid_index_left_by_a_failed_build_is_dropped_and_built_again()
    {
        await WithScratchDatabaseAsync(async target =>
        {
            // A unique build over duplicate values fails and leaves an INVALID index behind, as PostgreSQL documents.
            await Db.ExecuteAsync(target, "insert into it_cic values (-1, 7), (-2, 7)");
            await using (var connection = await Db.OpenAsync(target))
            {
                Assert.ThrowsAny<PostgresException>(() => ConcurrentIndexBuilder.Build(connection, "CREATE UNIQUE INDEX CONCURRENTLY it_cic_v_idx ON it_cic (v)"));
            }

            Assert.False(await Db.ScalarAsync<bool>(target, "select indisvalid from pg_index where indexrelid = 'it_cic_v_idx'::regclass"));
            await using var again = await Db.OpenAsync(target);
            var outcome = ConcurrentIndexBuilder.Build(again, "CREATE INDEX CONCURRENTLY IF NOT EXISTS it_cic_v_idx ON it_cic (v)");
            Assert.Equal(ConcurrentIndexBuilder.Outcome.Rebuilt, outcome);
            Assert.True(await Db.ScalarAsync<bool>(target, "select indisvalid from pg_index where indexrelid = 'it_cic_v_idx'::regclass"));
        });
    }

    private async Task WithScratchDatabaseAsync(Func<string, Task> test)
    {
        var primary = fixture.Cluster.GetNode(LocalCluster.PrimaryNodeId("s1"));
        string database = "it_cic_" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(primary.SuperuserConnectionString, $"CREATE DATABASE {database} OWNER {LocalCluster.AdminRole}");
        try
        {
            string target = new NpgsqlConnectionStringBuilder(primary.AdminConnectionString) { Database = database }.ConnectionString;
            await Db.ExecuteAsync(target, "create table it_cic (id bigint primary key, v int not null); insert into it_cic select g, g from generate_series(1, 50000) g");
            await test(target);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(primary.SuperuserConnectionString, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }
}

/// <summary>A real concurrent-index migration, run by the real FluentMigrator runner against a scratch database.</summary>
[Migration(Version, TransactionBehavior.None)]
[Tags(Tag)]
public sealed class ItConcurrentIndex : ConcurrentIndexMigration
{
    /// <summary>Its version.</summary>
    public const long Version = 9_100_000_001;

    /// <summary>Its tag (keeps it out of every real set).</summary>
    public const string Tag = "it-concurrent-index";

    /// <inheritdoc />
    protected override IReadOnlyList<string> CreateStatements => ["CREATE INDEX CONCURRENTLY IF NOT EXISTS it_cic_v_idx ON it_cic (v)"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> DropStatements => ["DROP INDEX CONCURRENTLY IF EXISTS it_cic_v_idx"];
}

/// <summary>The same migration declared with the default (transactional) behaviour: it must refuse to run.</summary>
[Migration(9_100_000_002)]
[Tags(Tag)]
public sealed class ItConcurrentIndexInTransaction : ConcurrentIndexMigration
{
    /// <summary>Its tag.</summary>
    public const string Tag = "it-concurrent-index-in-transaction";

    /// <inheritdoc />
    protected override IReadOnlyList<string> CreateStatements => ["CREATE INDEX CONCURRENTLY IF NOT EXISTS it_cic_v_idx ON it_cic (v)"];

    /// <inheritdoc />
    protected override IReadOnlyList<string> DropStatements => ["DROP INDEX CONCURRENTLY IF EXISTS it_cic_v_idx"];
}
