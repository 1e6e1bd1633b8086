namespace DataTier.Core.Sql.CrossShard;

/// <summary>Rows equal on some columns (a group's keys, or every column of the answer for DISTINCT); NULLs are equal.</summary>
internal sealed class CrossShardRowEquality(int[] columns) : IEqualityComparer<object?[]>
{
    /// <summary>Equality on the first <paramref name="count"/> columns.</summary>
    public static CrossShardRowEquality FirstColumns(int count) => new([.. Enumerable.Range(0, count)]);

    public bool Equals(object?[]? x, object?[]? y)
    {
        foreach (int column in columns)
        {
            if (!CrossShardValues.Equals(x![column], y![column]))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(object?[] row)
    {
        var hash = new HashCode();
        foreach (int column in columns)
        {
            hash.Add(CrossShardValues.GetHashCode(row[column]));
        }

        return hash.ToHashCode();
    }
}
