namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// A keyset page of an ordered key-less read: at most <see cref="Size"/> rows that follow <see cref="After"/> (the sort key
/// of the previous page's last row, null for the first page) in the statement's ORDER BY.
/// </summary>
/// <remarks>
/// Every shard runs the statement with <c>WHERE (sort key) &gt; (after)</c> spelled out for the ORDER BY's directions and
/// NULLS placement, and returns <see cref="Size"/> + 1 rows; the merge keeps one row past the page. That extra row is what
/// makes the pages exact: when it has the same sort key as the page's last row, the next page's predicate would skip it
/// (and any other row of that key), so such a page is refused and the caller is told to make the ORDER BY unique. When it
/// sorts after, every row of the last key is in the page. No shard remembers anything between pages, so rows inserted
/// meanwhile appear on a later page if they sort after the token, and a rebalance between pages changes nothing: each
/// page reads every shard at that moment (a row in a move is read from its owner only).
/// </remarks>
/// <param name="Size">Rows per page (1 or more).</param>
/// <param name="After">The previous page's last sort key, one value per ORDER BY item; null: the first page.</param>
/// <param name="FirstParameter">The number of the first <c>$n</c> parameter the predicate may use (the statement has the ones before).</param>
internal sealed record CrossShardPage(int Size, IReadOnlyList<object?>? After, int FirstParameter);
