namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// One merge of the shards' answers by a <see cref="CrossShardPlan"/>, read row by row. A <see cref="CrossShardMode.Merge"/>
/// streams: a k-way merge on the ORDER BY holds one row per shard (plus, for DISTINCT, the rows already answered), skips
/// OFFSET rows and stops pulling after LIMIT. An <see cref="CrossShardMode.Aggregate"/> reads every shard's groups first
/// (one partial row per group and shard), then answers the merged groups.
/// </summary>
internal sealed partial class CrossShardMerge
{
    private readonly CrossShardPlan _plan;
    private readonly IReadOnlyList<IShardRowStream> _streams;
    private readonly CrossShardLayout _layout;
    private readonly HashSet<object?[]>? _seen;
    private PriorityQueue<int, object?[]>? _heads;
    private List<object?[]>? _groups;
    private int _next;
    private long _skipped;
    private long _answered;

    public CrossShardMerge(CrossShardPlan plan, IReadOnlyList<IShardRowStream> streams, int shardColumns)
    {
        _plan = plan;
        _streams = streams;
        _layout = new CrossShardLayout(plan, shardColumns);
        _seen = plan.Distinct ? new HashSet<object?[]>(CrossShardRowEquality.FirstColumns(_layout.VisibleCount)) : null;
    }

    public CrossShardLayout Layout => _layout;

    /// <summary>The row last answered, with its hidden columns (what a keyset page takes its next token from).</summary>
    public object?[]? LastRow { get; private set; }

    /// <summary>The next row of the answer (the visible columns), or null after the last.</summary>
    public async ValueTask<object?[]?> ReadAsync(CancellationToken cancellationToken)
    {
        while (_plan.Limit is not { } limit || _answered < limit)
        {
            object?[]? row = _plan.Mode == CrossShardMode.Aggregate
                ? await NextGroupAsync(cancellationToken).ConfigureAwait(false)
                : await NextMergedAsync(cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return null;
            }

            if (_seen is not null && !_seen.Add(row))
            {
                continue;
            }

            if (_skipped < _plan.Offset)
            {
                _skipped++;
                continue;
            }

            _answered++;
            LastRow = row;
            return Project(row);
        }

        return null;
    }

    private object?[] Project(object?[] row)
    {
        if (_layout.HiddenCount == 0)
        {
            return row;
        }

        var visible = new object?[_layout.VisibleCount];
        Array.Copy(row, visible, visible.Length);
        return visible;
    }

    private async ValueTask<object?[]?> NextMergedAsync(CancellationToken cancellationToken)
    {
        if (_plan.Order.IsEmpty)
        {
            // No order asked for: the shards' rows one shard after the other.
            while (_next < _streams.Count)
            {
                if (await _streams[_next].ReadAsync(cancellationToken).ConfigureAwait(false) is { } row)
                {
                    return row;
                }

                _next++;
            }

            return null;
        }

        if (_heads is null)
        {
            _heads = new PriorityQueue<int, object?[]>(_streams.Count, new CrossShardRowOrder(_plan.Order, _layout));
            for (int i = 0; i < _streams.Count; i++)
            {
                if (await _streams[i].ReadAsync(cancellationToken).ConfigureAwait(false) is { } first)
                {
                    _heads.Enqueue(i, first);
                }
            }
        }

        if (!_heads.TryDequeue(out int shard, out var head))
        {
            return null;
        }

        // Each shard's rows arrive sorted by the same key, so the least head is the next row of the whole answer.
        if (await _streams[shard].ReadAsync(cancellationToken).ConfigureAwait(false) is { } following)
        {
            _heads.Enqueue(shard, following);
        }

        return head;
    }
}
