namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// Where the plan's columns are in the rows the shards return, once their width is known: the select list's items
/// (a <c>*</c> standing for <c>StarWidth</c> columns), then the hidden columns.
/// </summary>
internal readonly struct CrossShardLayout
{
    private readonly int _starTarget;
    private readonly int _starWidth;

    public CrossShardLayout(CrossShardPlan plan, int shardColumns)
    {
        _starTarget = plan.StarTarget;
        ShardColumns = shardColumns;
        HiddenCount = plan.HiddenCount;
        VisibleCount = shardColumns - plan.HiddenCount;
        _starWidth = plan.StarTarget < 0 ? 1 : VisibleCount - (plan.TargetCount - 1);
        if (VisibleCount < 0 || _starWidth < 0 || (plan.StarTarget < 0 && VisibleCount != plan.TargetCount))
        {
            throw new InvalidOperationException(
                $"The shards returned {shardColumns} columns; the cross-shard plan expects {plan.TargetCount} select-list items and {plan.HiddenCount} hidden columns.");
        }
    }

    /// <summary>Columns each shard returns.</summary>
    public int ShardColumns { get; }

    /// <summary>Columns of the answer: the shards' columns without the hidden ones, which come last.</summary>
    public int VisibleCount { get; }

    public int HiddenCount { get; }

    public int IndexOf(CrossShardColumnRef column) =>
        column.Hidden ? VisibleCount + column.Ordinal
        : _starTarget >= 0 && column.Ordinal > _starTarget ? column.Ordinal + _starWidth - 1
        : column.Ordinal;
}
