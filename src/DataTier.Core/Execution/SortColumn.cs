namespace DataTier.Core.Execution;

/// <summary>One ORDER BY column of a scatter read.</summary>
public sealed record SortColumn(string Column, bool Descending);
