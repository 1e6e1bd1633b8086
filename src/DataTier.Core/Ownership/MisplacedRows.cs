namespace DataTier.Core.Ownership;

/// <summary>Rows of one table found on a shard that the routing ring places on <see cref="Owner"/>.</summary>
/// <param name="Table">The sharded table.</param>
/// <param name="Owner">The shard the ring places them on.</param>
/// <param name="Rows">How many there are.</param>
/// <param name="Moved">With a repair: how many were moved to their owner.</param>
/// <param name="Conflicts">With a repair: how many stayed because the owner holds another row with the same primary key (or the row changed while it moved).</param>
public sealed record MisplacedRows(string Table, string Owner, long Rows, long Moved = 0, long Conflicts = 0);
