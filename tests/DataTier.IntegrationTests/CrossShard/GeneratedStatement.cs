namespace DataTier.IntegrationTests.CrossShard;

/// <summary>How two answers to a generated statement are compared.</summary>
public enum AnswerOrder
{
    /// <summary>No ORDER BY: the rows as multisets.</summary>
    Multiset,

    /// <summary>A total order (the ORDER BY ends in a unique column, or orders every group key): the rows in sequence.</summary>
    Total,

    /// <summary>ORDER BY on non-unique columns: the sort key columns in sequence, and (without LIMIT/OFFSET) the rows as multisets.</summary>
    ByKey,
}

/// <summary>One statement of the differential test's grammar.</summary>
/// <param name="Sql">The statement, the same text for the oracle, the wire and HTTP.</param>
/// <param name="Order">How answers are compared.</param>
/// <param name="KeyColumns">For <see cref="AnswerOrder.ByKey"/>: the answer's columns that hold the sort key.</param>
/// <param name="Limited">The statement has a LIMIT or OFFSET (which rows tie at the cut is PostgreSQL's choice).</param>
/// <param name="ExpectedRefusal">The construct DataTier must refuse, or null when it must answer.</param>
public sealed record GeneratedStatement(string Sql, AnswerOrder Order, int[] KeyColumns, bool Limited, string? ExpectedRefusal);
