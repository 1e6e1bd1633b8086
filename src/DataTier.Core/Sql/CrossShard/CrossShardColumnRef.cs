namespace DataTier.Core.Sql.CrossShard;

/// <summary>
/// A column of what each shard returns: the <paramref name="Ordinal"/>th item of the select list, or the
/// <paramref name="Ordinal"/>th hidden column DataTier appended (an ORDER BY, GROUP BY or HAVING expression not in the
/// select list, the count of an avg). Resolved to a position once the shard's columns are known, since a <c>*</c> in the
/// select list stands for as many columns as the table has (<see cref="CrossShardPlan.IndexOf"/>).
/// </summary>
internal readonly record struct CrossShardColumnRef(int Ordinal, bool Hidden);
