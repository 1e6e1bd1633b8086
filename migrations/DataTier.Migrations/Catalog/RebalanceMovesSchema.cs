using FluentMigrator;

namespace DataTier.Migrations.Catalog;

/// <summary>
/// Executed rebalancing moves: what each moves (the rings it goes between and the tables), how far it has got, and
/// which DataTier instance drives it under a lease, so a move survives the instance that started it. At most one move
/// runs at a time (a unique partial index, not a check in code, so two instances cannot both start one).
/// </summary>
[Migration(202611240101, "Catalog: rebalancing moves")]
[Tags(MigrationTags.Catalog)]
public sealed class RebalanceMovesSchema : Migration
{
    /// <inheritdoc />
    public override void Up() =>
        Execute.Sql(
            """
            CREATE TABLE datatier.rebalance_moves (
              id bigserial PRIMARY KEY,
              state text NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
              phase text NOT NULL,
              spec jsonb NOT NULL,
              progress jsonb NOT NULL,
              error text NULL,
              owner text NULL,
              lease_until timestamptz NOT NULL DEFAULT now(),
              cancel_requested boolean NOT NULL DEFAULT false,
              created_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz NOT NULL DEFAULT now(),
              finished_at timestamptz NULL);
            CREATE UNIQUE INDEX rebalance_moves_one_running ON datatier.rebalance_moves ((true)) WHERE state = 'running';
            """);

    /// <inheritdoc />
    public override void Down() => Execute.Sql("DROP TABLE datatier.rebalance_moves");
}
