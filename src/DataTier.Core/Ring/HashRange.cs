namespace DataTier.Core.Ring;

/// <summary>
/// A contiguous range of ring positions (<see cref="Start"/>, <see cref="End"/>] owned by one shard.
/// When <see cref="IncludesStart"/> is true the range also holds <see cref="Start"/> (the range that begins at
/// <see cref="long.MinValue"/>).
/// </summary>
public readonly record struct HashRange(long Start, long End, string ShardId, bool IncludesStart)
{
    /// <summary>Whether a ring position falls in this range.</summary>
    public bool Contains(long position) => (position > Start || (IncludesStart && position == Start)) && position <= End;

    /// <summary>A SQL predicate over a position expression, e.g. <c>hashtextextended(team_id, 0)</c>.</summary>
    public string ToSqlPredicate(string positionExpression) =>
        IncludesStart
            ? $"{positionExpression} between {Start} and {End}"
            : $"({positionExpression} > {Start} and {positionExpression} <= {End})";
}
