namespace DataTier.Core.Execution;

/// <summary>
/// Orders rows the way PostgreSQL's ORDER BY does for the usual column types: ascending puts NULLs last,
/// descending puts them first. Text compares by code point, which matches the shards' "C.UTF-8" collation.
/// </summary>
internal sealed class RowComparer(int[] columns, bool[] descending) : IComparer<object?[]>
{
    public int Compare(object?[]? x, object?[]? y)
    {
        for (int i = 0; i < columns.Length; i++)
        {
            object? a = x![columns[i]];
            object? b = y![columns[i]];
            int c;
            if (a is null || b is null)
            {
                // NULL sorts as larger than any value in PostgreSQL.
                c = a is null ? (b is null ? 0 : 1) : -1;
            }
            else
            {
                c = CompareValues(a, b);
            }

            if (c != 0)
            {
                return descending[i] ? -c : c;
            }
        }

        return 0;
    }

    private static int CompareValues(object a, object b) => (a, b) switch
    {
        (string s, string t) => string.CompareOrdinal(s, t),
        (RawJson s, RawJson t) => string.CompareOrdinal(s.Json, t.Json),
        (Guid g, Guid h) => DataTier.Core.Sql.CrossShard.CrossShardValues.CompareUuid(g, h),
        (IComparable c, _) when a.GetType() == b.GetType() => c.CompareTo(b),
        _ => Convert.ToDecimal(a, System.Globalization.CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(b, System.Globalization.CultureInfo.InvariantCulture)),
    };
}
