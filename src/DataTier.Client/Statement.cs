namespace DataTier.Client;

/// <summary>One statement of a transaction.</summary>
public sealed record Statement(string Sql, object? Parameters = null);
