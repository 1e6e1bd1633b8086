namespace DataTier.Core.Sql.CrossShard;

/// <summary>A merged aggregate or a group key of the row being tested.</summary>
internal sealed class HavingColumn(CrossShardColumnRef column) : HavingNode
{
    public CrossShardColumnRef Column { get; } = column;

    public override object? Evaluate(object?[] row, in CrossShardLayout layout) => CrossShardValues.Unwrap(row[layout.IndexOf(Column)]);
}
