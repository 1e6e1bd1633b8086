using FluentMigrator;

namespace DataTier.Migrations.Catalog;

/// <summary>
/// What the scheduled rebalancing check found and proposed: each shard's measured load and the desired weights that
/// would even it out, waiting for a DBA's approval (or applied at once when automatic application is on).
/// </summary>
[Migration(202611230201, "Catalog: rebalancing proposals")]
[Tags(MigrationTags.Catalog)]
public sealed class RebalanceProposalsSchema : Migration
{
    /// <inheritdoc />
    public override void Up() =>
        Execute.Sql(
            """
            CREATE TABLE datatier.rebalance_proposals (
              id bigserial PRIMARY KEY,
              created_at timestamptz NOT NULL DEFAULT now(),
              instance text NOT NULL,
              topology_version bigint NOT NULL,
              imbalance double precision NOT NULL,
              loads jsonb NOT NULL,
              weights jsonb NOT NULL,
              status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'superseded')),
              decided_at timestamptz NULL,
              applied_version bigint NULL)
            """);

    /// <inheritdoc />
    public override void Down() => Execute.Sql("DROP TABLE datatier.rebalance_proposals");
}
