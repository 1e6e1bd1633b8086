namespace DataTier.Client;

/// <summary>A parameter with an explicit PostgreSQL type, sent as <c>{"value": ..., "type": ...}</c>.</summary>
public sealed record TypedParameter(object? Value, string Type);
