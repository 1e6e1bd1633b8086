namespace DataTier.Core.Sql.CrossShard;

/// <content>Grouped reads: every shard's partial groups combined, then HAVING and ORDER BY over the merged groups.</content>
internal sealed partial class CrossShardMerge
{
    private async ValueTask<object?[]?> NextGroupAsync(CancellationToken cancellationToken)
    {
        _groups ??= await MergeGroupsAsync(cancellationToken).ConfigureAwait(false);
        return _next < _groups.Count ? _groups[_next++] : null;
    }

    private async Task<List<object?[]>> MergeGroupsAsync(CancellationToken cancellationToken)
    {
        var keyColumns = new int[_plan.GroupKeys.Length];
        for (int i = 0; i < keyColumns.Length; i++)
        {
            keyColumns[i] = _layout.IndexOf(_plan.GroupKeys[i]);
        }

        // Groups in the order first seen, so an answer without ORDER BY is stable from one run to the next.
        var index = new Dictionary<object?[], int>(new CrossShardRowEquality(keyColumns));
        var groups = new List<object?[]>();
        foreach (var stream in _streams)
        {
            while (await stream.ReadAsync(cancellationToken).ConfigureAwait(false) is { } partial)
            {
                if (index.TryGetValue(partial, out int at))
                {
                    foreach (var aggregate in _plan.Aggregates)
                    {
                        CrossShardAccumulator.Combine(aggregate, groups[at], partial, _layout);
                    }

                    continue;
                }

                foreach (var aggregate in _plan.Aggregates)
                {
                    CrossShardAccumulator.Start(aggregate, partial, _layout);
                }

                index.Add(partial, groups.Count);
                groups.Add(partial);
            }
        }

        foreach (var group in groups)
        {
            foreach (var aggregate in _plan.Aggregates)
            {
                CrossShardAccumulator.Finish(aggregate, group, _layout);
            }
        }

        if (_plan.Having is { } having)
        {
            var layout = _layout;
            groups.RemoveAll(g => having.Evaluate(g, layout) is not true);
        }

        if (!_plan.Order.IsEmpty)
        {
            // A stable sort: groups equal on the ORDER BY keep their first-seen order.
            var order = new CrossShardRowOrder(_plan.Order, _layout);
            var sorted = groups.Select(static (g, i) => (Group: g, Index: i)).ToArray();
            Array.Sort(sorted, (a, b) => order.Compare(a.Group, b.Group) is var c && c != 0 ? c : a.Index.CompareTo(b.Index));
            groups = [.. sorted.Select(static s => s.Group)];
        }

        return groups;
    }
}
