using DataTier.Core.Errors;

namespace DataTier.Core.Execution;

/// <summary>Merges the shards' parts of a fan-out read: concatenated, or k-way merged when every part is sorted by the same key.</summary>
public static class ScatterMerge
{
    /// <summary>The merged rows, at most <paramref name="limit"/>.</summary>
    public static QueryResult Merge(IReadOnlyList<ReadOutcome> parts, IReadOnlyList<SortColumn> orderBy, int limit)
    {
        var columns = parts.Count > 0 ? parts[0].Result.Columns : [];
        bool anyTruncated = parts.Any(p => p.Result.Truncated);
        int total = parts.Sum(p => p.Result.Rows.Count);
        var rows = new List<object?[]>(Math.Min(total, limit));
        if (orderBy.Count == 0)
        {
            foreach (var part in parts)
            {
                foreach (var row in part.Result.Rows)
                {
                    if (rows.Count == limit)
                    {
                        return new QueryResult { Columns = columns, Rows = rows, Truncated = true };
                    }

                    rows.Add(row);
                }
            }

            return new QueryResult { Columns = columns, Rows = rows, Truncated = anyTruncated };
        }

        var indexes = orderBy.Select(o => Array.IndexOf(columns, o.Column)).ToArray();
        if (indexes.Any(i => i < 0))
        {
            var missing = orderBy.First(o => Array.IndexOf(columns, o.Column) < 0).Column;
            throw new DataTierException(DataTierErrorKind.BadRequest, "invalid-order-by", $"orderBy names column '{missing}', which the statement does not return.");
        }

        var comparer = new RowComparer(indexes, orderBy.Select(o => o.Descending).ToArray());
        // k-way merge: each shard's rows are already sorted by the same key.
        var queue = new PriorityQueue<(int Part, int Index), object?[]>(comparer);
        for (int p = 0; p < parts.Count; p++)
        {
            if (parts[p].Result.Rows.Count > 0)
            {
                queue.Enqueue((p, 0), parts[p].Result.Rows[0]);
            }
        }

        while (rows.Count < limit && queue.TryDequeue(out var item, out var row))
        {
            rows.Add(row);
            var source = parts[item.Part].Result.Rows;
            if (item.Index + 1 < source.Count)
            {
                queue.Enqueue((item.Part, item.Index + 1), source[item.Index + 1]);
            }
        }

        return new QueryResult { Columns = columns, Rows = rows, Truncated = queue.Count > 0 || anyTruncated };
    }
}
