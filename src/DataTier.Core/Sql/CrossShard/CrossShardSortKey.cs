namespace DataTier.Core.Sql.CrossShard;

/// <summary>One ORDER BY item as the merge applies it; <paramref name="NullsFirst"/> already holds PostgreSQL's default (NULLS LAST for ASC, FIRST for DESC).</summary>
internal readonly record struct CrossShardSortKey(CrossShardColumnRef Column, bool Descending, bool NullsFirst);
