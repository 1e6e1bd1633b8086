using System.Collections.Immutable;

namespace DataTier.Core.Sql.CrossShard;

/// <summary>Orders shard rows by the plan's ORDER BY (typed, ASC/DESC, NULLS FIRST/LAST).</summary>
internal sealed class CrossShardRowOrder : IComparer<object?[]>
{
    private readonly int[] _columns;
    private readonly ImmutableArray<CrossShardSortKey> _keys;

    public CrossShardRowOrder(ImmutableArray<CrossShardSortKey> keys, in CrossShardLayout layout)
    {
        _keys = keys;
        _columns = new int[keys.Length];
        for (int i = 0; i < keys.Length; i++)
        {
            _columns[i] = layout.IndexOf(keys[i].Column);
        }
    }

    public int Compare(object?[]? x, object?[]? y)
    {
        for (int i = 0; i < _columns.Length; i++)
        {
            int c = CrossShardValues.Compare(x![_columns[i]], y![_columns[i]], _keys[i].Descending, _keys[i].NullsFirst);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    }
}
