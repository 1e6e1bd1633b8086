namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// One shard's rows as they arrive, in the order the shard sent them (sorted by the statement's ORDER BY when the plan
/// pushes it down). A front end adapts its own reader to this: HTTP the rows Npgsql read, the wire a backend connection's
/// DataRows. Cells are values (or <see cref="ICrossShardDatum"/>s); each row is a new array the merge may keep.
/// </summary>
internal interface IShardRowStream
{
    /// <summary>The next row, or null after the last.</summary>
    ValueTask<object?[]?> ReadAsync(CancellationToken cancellationToken);
}
