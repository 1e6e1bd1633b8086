using System.Collections.Immutable;

namespace DataTier.Core.Caching;

/// <summary>What the planner says of a statement shape: the tables it reads or writes, its cost and complexity.</summary>
public sealed record StatementProfile(ImmutableArray<string> Tables, ImmutableArray<string> WrittenTables, double TotalCost, int Complexity, PlanFeatures Features);

/// <summary>Plan features that make a statement expensive to recompute.</summary>
public readonly record struct PlanFeatures(int Joins, int Aggregates, int Sorts, int SubPlans, int Ctes, int Windows)
{
    /// <summary>The complexity score: 1 plus weighted feature counts (see the README's TTL table).</summary>
    public int Score => 1 + (2 * Joins) + (2 * Aggregates) + Sorts + (2 * SubPlans) + Ctes + (2 * Windows);
}
