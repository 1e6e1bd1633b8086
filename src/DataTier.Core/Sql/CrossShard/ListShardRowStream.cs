namespace DataTier.Core.Sql.CrossShard;

/// <summary>A shard's rows already read into memory (HTTP's scatter reads each shard's part whole).</summary>
internal sealed class ListShardRowStream(List<object?[]> rows) : IShardRowStream
{
    private int _next;

    public ValueTask<object?[]?> ReadAsync(CancellationToken cancellationToken) =>
        new(_next < rows.Count ? rows[_next++] : null);
}
