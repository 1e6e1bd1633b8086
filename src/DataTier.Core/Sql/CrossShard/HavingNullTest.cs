namespace DataTier.Core.Sql.CrossShard;

/// <summary><c>x IS NULL</c> / <c>x IS NOT NULL</c>.</summary>
internal sealed class HavingNullTest(HavingNode operand, bool isNull) : HavingNode
{
    public override object? Evaluate(object?[] row, in CrossShardLayout layout) => (operand.Evaluate(row, layout) is null) == isNull;
}
