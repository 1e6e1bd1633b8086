namespace DataTier.Client;

/// <summary>One merge column of a scatter read.</summary>
public sealed record OrderBy(string Column, bool Descending = false);
