using System.Collections.Immutable;

namespace DataTier.Core.Sql.Tree;

/// <summary>Which shards a statement can touch, from its shard-key predicates and inserted values.</summary>
/// <remarks>
/// A sharded table is restricted where it appears when an equality on its key (<c>key = const</c>, <c>key = $n</c>,
/// <c>key IN (...)</c>, <c>key = ANY(...)</c>, an OR of those) is in the top-level AND chain of that query level's WHERE (or
/// an inner join's ON), or follows from a key-to-key equality with a restricted table; an INSERT's target is restricted by
/// its rows' key values. A table that appears twice must be restricted in both places. Everything is computed once, so the
/// router reads fields, not queries.
/// </remarks>
internal sealed class ShardKeyAnalysis
{
    private ShardKeyAnalysis(
        ImmutableArray<ShardKeyRestriction> restrictions, ImmutableArray<PgTableReference> unrestrictedTables, bool referencesNoShardedTable)
    {
        Restrictions = restrictions;
        UnrestrictedTables = unrestrictedTables;
        ReferencesNoShardedTable = referencesNoShardedTable;
        Values = [.. restrictions.SelectMany(static r => r.Values).Distinct()];
        HasUnknownValue = Values.Contains(ShardKeyValue.Unknown);
    }

    /// <summary>For a statement with no sharded table, or a kind that has no shard keys (SET, COMMIT...).</summary>
    public static ShardKeyAnalysis None { get; } = new([], [], referencesNoShardedTable: true);

    /// <summary>One entry per sharded table restricted in at least one place it appears.</summary>
    public ImmutableArray<ShardKeyRestriction> Restrictions { get; }

    /// <summary>Sharded tables that appear at least once without a key restriction (the statement must go to every shard, or be refused).</summary>
    public ImmutableArray<PgTableReference> UnrestrictedTables { get; }

    /// <summary>True when some sharded table in the statement is not restricted to key values.</summary>
    public bool HasUnrestrictedShardedTable => !UnrestrictedTables.IsEmpty;

    /// <summary>
    /// True when no sharded table appears at all: <c>select 1</c>, <c>select version()</c>, catalog queries on
    /// <c>pg_catalog</c> and <c>information_schema</c>, unsharded tables; any node can answer.
    /// </summary>
    public bool ReferencesNoShardedTable { get; }

    /// <summary>True when some value is <see cref="ShardKeyValueKind.Unknown"/> (an INSERT whose key cannot be read from the text).</summary>
    public bool HasUnknownValue { get; }

    /// <summary>Every distinct value over all restrictions, in order.</summary>
    public ImmutableArray<ShardKeyValue> Values { get; }

    public static ShardKeyAnalysis Create(ImmutableArray<ShardKeyRestriction> restrictions, ImmutableArray<PgTableReference> unrestrictedTables) =>
        restrictions.IsEmpty && unrestrictedTables.IsEmpty ? None : new(restrictions, unrestrictedTables, referencesNoShardedTable: false);
}
