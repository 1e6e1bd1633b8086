namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// A node of a HAVING condition, evaluated by DataTier on each merged group (the shards cannot: a group's rows may be on
/// several shards). Predicates return true, false or null (SQL's unknown); operands return a value or null.
/// </summary>
internal abstract class HavingNode
{
    public abstract object? Evaluate(object?[] row, in CrossShardLayout layout);
}
