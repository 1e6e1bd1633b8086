using FluentMigrator;
using Npgsql;

namespace DataTier.Migrations.Indexes;

/// <summary>
/// A migration that builds indexes with <c>CREATE INDEX CONCURRENTLY</c>. Its subclass must be declared with
/// <c>[Migration(version, TransactionBehavior.None)]</c>: PostgreSQL refuses a concurrent build inside a
/// transaction block, so a runner that wrapped it in one would fail loudly rather than lock the table. Each index is
/// its own statement, run through <see cref="ConcurrentIndexBuilder"/> (lock timeout, retries, INVALID rebuild).
/// </summary>
public abstract class ConcurrentIndexMigration : Migration
{
    /// <summary>The statements, one <c>CREATE INDEX CONCURRENTLY IF NOT EXISTS name ON ...</c> each.</summary>
    protected abstract IReadOnlyList<string> CreateStatements { get; }

    /// <summary>The matching drops (<c>DROP INDEX CONCURRENTLY IF EXISTS name</c>), one each, for Down.</summary>
    protected abstract IReadOnlyList<string> DropStatements { get; }

    /// <inheritdoc />
    public override void Up()
    {
        foreach (string sql in CreateStatements)
        {
            // One statement per operation; the connection is the runner's own, outside any transaction.
            Execute.WithConnection((connection, transaction) =>
            {
                if (transaction is not null)
                {
                    throw new InvalidOperationException(
                        $"{GetType().Name} must run outside a transaction: declare it with [Migration(version, TransactionBehavior.None)].");
                }

                ConcurrentIndexBuilder.Build((NpgsqlConnection)connection, sql);
            });
        }
    }

    /// <inheritdoc />
    public override void Down()
    {
        foreach (string sql in DropStatements)
        {
            Execute.Sql(sql);
        }
    }
}
