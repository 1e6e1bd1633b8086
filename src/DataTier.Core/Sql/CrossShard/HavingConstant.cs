namespace DataTier.Core.Sql.CrossShard;

/// <summary>A constant of the condition: long, <see cref="PgNumeric"/>, string, bool or null.</summary>
internal sealed class HavingConstant(object? value) : HavingNode
{
    public object? Value { get; } = value;

    public override object? Evaluate(object?[] row, in CrossShardLayout layout) => Value;
}
